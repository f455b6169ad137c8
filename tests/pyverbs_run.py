#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR Linux-OpenIB
#
# Run rdma-core's pyverbs suite as its run_tests.py does (same loader,
# same --dev/--port/--gid options), and print one "VERDICT TEST RESULT"
# line per test (ok, FAIL, ERROR, skipped, xfail, xpass) at the end, so a
# caller need not parse unittest's interleaved verbose output.
#
# usage: pyverbs_run.py SUITE_DIR --dev DEV --gid N

import os
import sys
import unittest
from importlib.machinery import SourceFileLoader

suite_dir = sys.argv.pop(1)
sys.path.insert(0, suite_dir)
from args_parser import parser  # noqa: E402 (the suite's own options)

verdicts = []


class Recorder(unittest.TextTestResult):
    def _note(self, test, verdict):
        verdicts.append((test.id(), verdict))

    def addSuccess(self, test):
        super().addSuccess(test)
        self._note(test, 'ok')

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._note(test, 'FAIL')

    def addError(self, test, err):
        super().addError(test, err)
        self._note(test, 'ERROR')

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._note(test, 'skipped')

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._note(test, 'xfail')

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._note(test, 'xpass')


tests = SourceFileLoader('tests',
                         os.path.join(suite_dir, '__init__.py')).load_module()
parser.parse_args()
runner = unittest.TextTestRunner(resultclass=Recorder, verbosity=1)
unittest.main(module=tests, testRunner=runner, exit=False)
sys.stdout.flush()
for name, verdict in verdicts:
    print('VERDICT', name, verdict)
