// SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
/*
 * srxctl: inspect and set SRQ governance on srx devices, by the SRQ and
 * QP numbers `rdma res show` prints. See `srxctl help`.
 *
 * Copyright (c) 2026 The srx authors.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "srxctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char usage[] =
"usage: srxctl [-j] OBJECT COMMAND [ARGS]\n"
"  dev show DEV                      device defaults for new SRQs/QPs\n"
"  dev set DEV NAME VALUE            NAME: mode credit overcommit floor\n"
"                                    ceiling qp_limit policy_rc policy_other\n"
"  srq show DEV[/SRQ]                SRQs with their QPs and groups\n"
"  srq set-mode DEV/SRQ static | share [OVERCOMMIT% FLOOR CEILING|none]\n"
"  srq set-credit DEV/SRQ poll|post|repost|buffer\n"
"  srq set-group DEV/SRQ GROUP LIMIT|none    create or change a group\n"
"  srq del-group DEV/SRQ GROUP\n"
"  srq set-ooo DEV/SRQ CAP|default LOW|default   out-of-order holding:\n"
"                                    WQEs held at most, release watermark\n"
"  qp show DEV[/QPN]                 governed QPs\n"
"  qp set-limit DEV/QPN N|none\n"
"  qp set-policy DEV/QPN rnr|drop|disconnect\n"
"  qp set-group DEV/QPN GROUP|none\n"
"  qp set-ooo DEV/QPN N|default      messages it may hold ahead of a gap\n"
"  offenders DEV/SRQ [--watermark]   QPs draining the SRQ, worst first\n"
"  -j: JSON output. Changes need CAP_NET_ADMIN.\n";

static int json;

static int bad_usage(const char *why)
{
	fprintf(stderr, "srxctl: %s\n%s", why, usage);
	return 2;
}

static int failed(const char *what, int err)
{
	fprintf(stderr, "srxctl: %s: %s\n", what, strerror(-err));
	return 1;
}

/* DEV or DEV/ID; *has_id tells which. */
static int parse_target(const char *arg, char *dev, size_t len, uint32_t *id,
			int *has_id)
{
	const char *slash = strchr(arg, '/');
	size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
	char *end;

	if (!n || n >= len)
		return -EINVAL;
	memcpy(dev, arg, n);
	dev[n] = 0;
	*has_id = !!slash;
	if (!slash)
		return 0;
	errno = 0;
	*id = strtoul(slash + 1, &end, 0);
	if (!slash[1] || *end || errno || slash[1] == '-')
		return -EINVAL;
	return 0;
}

static void print_limit(const char *key, uint32_t v)
{
	if (json)
		printf(v == SRXCTL_UNLIMITED ? "\"%s\":null" : "\"%s\":%u",
		       key, v);
	else if (v == SRXCTL_UNLIMITED)
		printf(" %s none", key);
	else
		printf(" %s %u", key, v);
}

/* Where a QP's messages come from: " peer A dqpn N cm_id C", as known. */
static void print_peer(const struct srxctl_qp *q)
{
	if (json) {
		printf(",\"peer\":");
		printf(q->peer[0] ? "\"%s\"" : "null", q->peer);
		printf(",\"dqpn\":%u,\"cm_id\":", q->dqpn);
		printf(q->cm_id < 0 ? "null" : "%lld", (long long)q->cm_id);
		return;
	}
	if (q->peer[0])
		printf(" peer %s dqpn %u", q->peer, q->dqpn);
	if (q->cm_id >= 0)
		printf(" cm_id %lld", (long long)q->cm_id);
}

static void print_qp(const struct srxctl_qp *qp, const char *indent)
{
	const struct srx_gov_qp_info *q = &qp->info;

	if (json) {
		printf("{\"qpn\":%u,", q->qpn);
		print_limit("limit", q->limit);
		printf(",\"held\":%u,\"policy\":\"%s\",\"group\":%u,\"draws\":%llu,\"credits\":%llu,\"rnr\":%llu,\"drops\":%llu,\"disconnects\":%llu,\"recent_draws\":%u,\"recent_refused\":%u,\"ooo_limit\":%u,\"ooo_holding\":%u,\"ooo_held\":%llu,\"ooo_released\":%llu",
		       q->held, srxctl_policy_name(q->policy), q->group,
		       (unsigned long long)q->draws,
		       (unsigned long long)q->credits,
		       (unsigned long long)q->rnr, (unsigned long long)q->drops,
		       (unsigned long long)q->disconnects, qp->recent_draws,
		       qp->recent_refused, qp->ooo_limit, qp->ooo_holding,
		       (unsigned long long)qp->ooo_held,
		       (unsigned long long)qp->ooo_released);
		print_peer(qp);
		printf("}");
		return;
	}
	printf("%sqp %u", indent, q->qpn);
	print_limit("limit", q->limit);
	printf(" held %u policy %s group %u draws %llu credits %llu rnr %llu drops %llu disconnects %llu recent_draws %u recent_refused %u ooo_limit %u ooo_holding %u ooo_held %llu ooo_released %llu",
	       q->held, srxctl_policy_name(q->policy), q->group,
	       (unsigned long long)q->draws, (unsigned long long)q->credits,
	       (unsigned long long)q->rnr, (unsigned long long)q->drops,
	       (unsigned long long)q->disconnects, qp->recent_draws,
	       qp->recent_refused, qp->ooo_limit, qp->ooo_holding,
	       (unsigned long long)qp->ooo_held,
	       (unsigned long long)qp->ooo_released);
	print_peer(qp);
	printf("\n");
}

static void print_srq_head(const struct srxctl_srq *s)
{
	const struct srx_gov_srq_info *i = &s->info;

	if (json) {
		printf("{\"srq\":%u,\"size\":%u,\"mode\":\"%s\",\"credit\":\"%s\",\"overcommit\":%u,\"floor\":%u,",
		       s->id, i->size, srxctl_mode_name(i->mode),
		       srxctl_credit_name(i->credit), i->overcommit, i->floor);
		print_limit("ceiling", i->ceiling);
		printf(",\"draws\":%llu,\"credits\":%llu,\"rnr\":%llu,\"drops\":%llu,\"disconnects\":%llu,\"watermarks\":%llu,\"admin_watermark\":%u,\"admin_events\":%llu,\"matched\":%llu,\"unmatched\":%llu,\"ooo_cap\":%u,\"ooo_low\":%u,\"ooo_holding\":%u,\"ooo_held\":%llu,\"ooo_released\":%llu",
		       (unsigned long long)i->draws,
		       (unsigned long long)i->credits,
		       (unsigned long long)i->rnr, (unsigned long long)i->drops,
		       (unsigned long long)i->disconnects,
		       (unsigned long long)i->watermarks, s->admin_wm,
		       (unsigned long long)s->admin_events,
		       (unsigned long long)s->matched,
		       (unsigned long long)s->unmatched, s->ooo_cap,
		       s->ooo_low, s->ooo_holding,
		       (unsigned long long)s->ooo_held,
		       (unsigned long long)s->ooo_released);
		return;
	}
	printf("srq %u size %u mode %s credit %s overcommit %u floor %u",
	       s->id, i->size, srxctl_mode_name(i->mode),
	       srxctl_credit_name(i->credit), i->overcommit, i->floor);
	print_limit("ceiling", i->ceiling);
	printf(" draws %llu credits %llu rnr %llu drops %llu disconnects %llu watermarks %llu admin_watermark %u admin_events %llu matched %llu unmatched %llu ooo_cap %u ooo_low %u ooo_holding %u ooo_held %llu ooo_released %llu\n",
	       (unsigned long long)i->draws, (unsigned long long)i->credits,
	       (unsigned long long)i->rnr, (unsigned long long)i->drops,
	       (unsigned long long)i->disconnects,
	       (unsigned long long)i->watermarks, s->admin_wm,
	       (unsigned long long)s->admin_events,
	       (unsigned long long)s->matched,
	       (unsigned long long)s->unmatched, s->ooo_cap, s->ooo_low,
	       s->ooo_holding, (unsigned long long)s->ooo_held,
	       (unsigned long long)s->ooo_released);
}

static void print_groups(const struct srxctl_srq *s)
{
	uint32_t i;

	for (i = 0; i < s->ngroups; i++) {
		const struct srxctl_group *g = &s->groups[i];

		if (json) {
			printf("%s{\"group\":%u,", i ? "," : "", g->id);
			print_limit("limit", g->limit);
			printf(",\"held\":%u,\"members\":%u}", g->held,
			       g->members);
		} else {
			printf("  group %u", g->id);
			print_limit("limit", g->limit);
			printf(" held %u members %u\n", g->held, g->members);
		}
	}
}

static void print_srq(const struct srxctl_srq *s)
{
	uint32_t i;

	print_srq_head(s);
	if (json)
		printf(",\"qps\":[");
	for (i = 0; i < s->nqps; i++) {
		if (json && i)
			printf(",");
		print_qp(&s->qps[i], "  ");
	}
	if (json)
		printf("],\"groups\":[");
	print_groups(s);
	if (json)
		printf("]}");
}

/* Read the status; select SRQ @id if @has_id. */
static int load(const char *dev, struct srxctl_srq **srqs)
{
	int n = srxctl_status(dev, srqs);

	if (n < 0)
		failed(dev, n);
	return n;
}

static int srq_show(const char *dev, uint32_t id, int has_id)
{
	struct srxctl_srq *srqs;
	int n = load(dev, &srqs), i, shown = 0;

	if (n < 0)
		return 1;
	if (json)
		printf("[");
	for (i = 0; i < n; i++) {
		if (has_id && srqs[i].id != id)
			continue;
		if (json && shown)
			printf(",");
		print_srq(&srqs[i]);
		shown++;
	}
	if (json)
		printf("]\n");
	srxctl_status_free(srqs, n);
	if (has_id && !shown)
		return failed("no such SRQ", -ENOENT);
	return 0;
}

static int qp_show(const char *dev, uint32_t qpn, int has_id)
{
	struct srxctl_srq *srqs;
	int n = load(dev, &srqs), i, shown = 0;
	uint32_t j;

	if (n < 0)
		return 1;
	if (json)
		printf("[");
	for (i = 0; i < n; i++)
		for (j = 0; j < srqs[i].nqps; j++) {
			if (has_id && srqs[i].qps[j].info.qpn != qpn)
				continue;
			if (json && shown)
				printf(",");
			print_qp(&srqs[i].qps[j], "");
			shown++;
		}
	if (json)
		printf("]\n");
	srxctl_status_free(srqs, n);
	if (has_id && !shown)
		return failed("no such governed QP", -ENOENT);
	return 0;
}

/*
 * One line of a ranking: as it was (@m: now, or at the watermark) and
 * whom the QP talks to (@q, now).
 */
static void print_offender(const struct srxctl_mark *m,
			   const struct srxctl_qp *q, uint32_t rank)
{
	if (json) {
		printf("%s{\"rank\":%u,\"qpn\":%u,\"held\":%u,\"limit\":%u,\"draws\":%llu,\"refused\":%llu,\"recent_draws\":%u,\"recent_refused\":%u",
		       rank > 1 ? "," : "", rank, m->qpn, m->held, m->limit,
		       (unsigned long long)m->draws,
		       (unsigned long long)m->refused, q->recent_draws,
		       q->recent_refused);
		print_peer(q);
		printf("}");
		return;
	}
	printf("%u qp %u held %u limit %u draws %llu refused %llu recent_draws %u recent_refused %u",
	       rank, m->qpn, m->held, m->limit, (unsigned long long)m->draws,
	       (unsigned long long)m->refused, q->recent_draws,
	       q->recent_refused);
	print_peer(q);
	printf("\n");
}

static const struct srxctl_qp *find_qp(const struct srxctl_srq *s,
				       uint32_t qpn)
{
	uint32_t i;

	for (i = 0; i < s->nqps; i++)
		if (s->qps[i].info.qpn == qpn)
			return &s->qps[i];
	return NULL;
}

static void print_offenders(struct srxctl_srq *s, int at_watermark)
{
	const struct srxctl_qp *q;
	struct srxctl_mark m;
	uint32_t j;

	srxctl_rank(s);
	for (j = 0; j < (at_watermark ? s->nmarks : s->nqps); j++) {
		if (at_watermark) {
			m = s->marks[j];
			q = find_qp(s, m.qpn);
		} else {
			q = &s->qps[j];
			m.qpn = q->info.qpn;
			m.held = q->info.held;
			m.limit = q->info.limit;
			m.draws = q->info.draws;
			m.refused = q->info.rnr + q->info.drops +
				    q->info.disconnects;
		}
		/* At the watermark: its rank then (QPs gone since are not
		 * listed, their ranks left out).
		 */
		print_offender(&m, q, at_watermark ? m.rank : j + 1);
	}
}

static int offenders(const char *dev, uint32_t id, int at_watermark)
{
	struct srxctl_srq *srqs, *s = NULL;
	int n = load(dev, &srqs), i;

	if (n < 0)
		return 1;
	for (i = 0; i < n; i++)
		if (srqs[i].id == id)
			s = &srqs[i];
	if (!s) {
		srxctl_status_free(srqs, n);
		return failed("no such SRQ", -ENOENT);
	}
	if (json)
		printf("[");
	print_offenders(s, at_watermark);
	if (json)
		printf("]\n");
	srxctl_status_free(srqs, n);
	return 0;
}

static const char *const default_names[] = {
	"mode", "credit", "overcommit", "floor", "ceiling",
	"qp_limit", "policy_rc", "policy_other",
};

#define NDEFAULTS ARRAY_SIZE(default_names)

static int dev_set(const char *dev, const char *name, const char *value)
{
	unsigned int i;
	int err;

	for (i = 0; i < NDEFAULTS; i++)
		if (!strcmp(name, default_names[i]))
			break;
	if (i == NDEFAULTS)
		return bad_usage("unknown default");
	err = srxctl_default_set(dev, name, value);
	return err ? failed(name, err) : 0;
}

static int dev_show(const char *dev)
{
	const char *const *names = default_names;
	char val[64];
	unsigned int i;
	int err;

	for (i = 0; i < NDEFAULTS; i++) {
		err = srxctl_default_get(dev, names[i], val, sizeof(val));
		if (err)
			return failed(dev, err);
		if (json)
			printf("%s\"%s\":\"%s\"", i ? "," : "{", names[i], val);
		else
			printf("%s %s\n", names[i], val);
	}
	if (json)
		printf("}\n");
	return 0;
}

static int is_group(const char *s)
{
	uint32_t x;

	return !srxctl_limit_parse(s, &x) && x && x != SRXCTL_UNLIMITED;
}

static int is_limit(const char *s)
{
	uint32_t x;

	return !srxctl_limit_parse(s, &x);
}

/* An out-of-order limit: a number or "default". */
static int is_ooo(const char *s)
{
	uint32_t x;

	return !strcmp(s, "default") ||
	       (!srxctl_limit_parse(s, &x) && x != SRXCTL_UNLIMITED);
}

/* Are the values of a set command well formed? Checked before writing. */
static int values_ok(const char *word, char **v, int n)
{
	if (!strcmp(word, "ooo"))
		return is_ooo(v[0]) && (n == 1 || is_ooo(v[1]));
	if (!strcmp(word, "limit"))
		return is_limit(v[0]);
	if (!strcmp(word, "policy"))
		return srxctl_policy_parse(v[0]) >= 0;
	if (!strcmp(word, "credit"))
		return srxctl_credit_parse(v[0]) >= 0;
	if (!strcmp(word, "group"))
		return n == 1 ? is_group(v[0]) || !strcmp(v[0], "none") :
				is_group(v[0]) && is_limit(v[1]);
	if (!strcmp(word, "remove"))
		return is_group(v[0]);
	if (n == 1)
		return srxctl_mode_parse(v[0]) >= 0;
	return !strcmp(v[0], "share") && is_limit(v[1]) && is_limit(v[2]) &&
	       is_limit(v[3]);
}

static const struct set_cmd {
	const char *obj, *cmd, *word;
	int nmin, nmax;
} set_cmds[] = {
	{ "qp", "set-limit", "limit", 1, 1 },
	{ "qp", "set-policy", "policy", 1, 1 },
	{ "qp", "set-group", "group", 1, 1 },
	{ "qp", "set-ooo", "ooo", 1, 1 },
	{ "srq", "set-ooo", "ooo", 2, 2 },
	{ "srq", "set-mode", "mode", 1, 4 },
	{ "srq", "set-credit", "credit", 1, 1 },
	{ "srq", "set-group", "group", 2, 2 },
	{ "srq", "del-group", "remove", 1, 1 },
};

/* qp set-* and srq set-*: one gov/ctl command. */
static int set(const char *obj, const char *dev, uint32_t id,
	       const char *cmd, char **v, int n)
{
	const struct set_cmd *c = NULL;
	char what[96];
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(set_cmds); i++)
		if (!strcmp(obj, set_cmds[i].obj) &&
		    !strcmp(cmd, set_cmds[i].cmd))
			c = &set_cmds[i];
	if (!c)
		return bad_usage("unknown command");
	if (n < c->nmin || n > c->nmax || (n != 1 && n != c->nmax) ||
	    !values_ok(c->word, v, n))
		return bad_usage("bad value");
	if (!strcmp(c->word, "remove"))
		err = srxctl_ctl(dev, "srq %u group %s remove", id, v[0]);
	else if (n == 2 && !strcmp(c->word, "ooo"))
		err = srxctl_ctl(dev, "srq %u ooo %s %s", id, v[0], v[1]);
	else if (n == 2)
		err = srxctl_ctl(dev, "srq %u group %s limit %s", id, v[0],
				 v[1]);
	else if (n == 4)
		err = srxctl_ctl(dev, "srq %u mode %s %s %s %s", id, v[0], v[1],
				 v[2], v[3]);
	else
		err = srxctl_ctl(dev, "%s %u %s %s", obj, id, c->word, v[0]);
	if (err) {
		snprintf(what, sizeof(what), "%s %s/%u %s", obj, dev, id, cmd);
		return failed(what, err);
	}
	return 0;
}

/* offenders DEV/SRQ [--watermark] */
static int run_offenders(int argc, char **argv)
{
	uint32_t id = 0;
	int has_id;
	char dev[64];

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "--watermark")))
		return bad_usage("usage: offenders DEV/SRQ [--watermark]");
	if (parse_target(argv[1], dev, sizeof(dev), &id, &has_id) || !has_id)
		return bad_usage("offenders needs DEV/SRQ");
	return offenders(dev, id, argc == 3);
}

static int run(int argc, char **argv)
{
	uint32_t id = 0;
	int has_id;
	char dev[64];

	if (argc && !strcmp(argv[0], "offenders"))
		return run_offenders(argc, argv);
	if (argc < 3)
		return bad_usage("missing arguments");
	if (parse_target(argv[2], dev, sizeof(dev), &id, &has_id))
		return bad_usage("bad DEV or DEV/ID");
	if (!strcmp(argv[0], "dev") && !strcmp(argv[1], "show") && argc == 3)
		return has_id ? bad_usage("dev takes no /ID") : dev_show(dev);
	if (!strcmp(argv[0], "dev") && !strcmp(argv[1], "set") && argc == 5)
		return has_id ? bad_usage("dev takes no /ID") :
				dev_set(dev, argv[3], argv[4]);
	if (strcmp(argv[0], "srq") && strcmp(argv[0], "qp"))
		return bad_usage("unknown object or arguments");
	if (!strcmp(argv[1], "show") && argc == 3)
		return !strcmp(argv[0], "srq") ? srq_show(dev, id, has_id) :
						 qp_show(dev, id, has_id);
	if (!has_id)
		return bad_usage("this command needs DEV/ID");
	return set(argv[0], dev, id, argv[1], argv + 3, argc - 3);
}

int main(int argc, char **argv)
{
	argc--;
	argv++;
	if (argc && !strcmp(argv[0], "-j")) {
		json = 1;
		argc--;
		argv++;
	}
	if (argc == 1 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "-h") ||
			  !strcmp(argv[0], "--help"))) {
		fputs(usage, stdout);
		return 0;
	}
	return run(argc, argv);
}
