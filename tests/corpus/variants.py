"""Runs a corpus test's variants over generated histories: the shared main() of the
scripts in this folder. Exit 77 (skipped) when the generator is missing."""
import os
import shutil
import sys
import tempfile


def run_variants(check_variant, variants, prefix):
    """check_variant(binary, generator, work, *variant) -> bool, for each variant."""
    binary, shared = os.path.abspath(sys.argv[1]), sys.argv[2]
    generator = os.path.join(shared, "tools", "gen-jira-corpus")
    if not os.path.exists(generator):
        print(f"skipped: no generator at {generator}")
        return 77
    work = tempfile.mkdtemp(prefix=prefix)
    try:
        results = [check_variant(binary, generator, work, *v) for v in variants]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0
