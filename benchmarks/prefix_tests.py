"""Run tests against the code from before a fix: each test file is copied into a temporary worktree at the
given commit and run there with that tree on PYTHONPATH, then run here; prints one table row per test.

    python benchmarks/prefix_tests.py                      # the nine cases of issue 10, each at its pre-fix commit
    python benchmarks/prefix_tests.py COMMIT TEST_ID...    # any tests at any commit

Tests must reach the code through public doors only (the CLI, the served app, HTTP), as
tests/test_issue10_cases.py does, or they will fail on old code for the wrong reason.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CASES = "tests/test_issue10_cases.py"

# (case, commit before its fix, tests): the commit is the parent of the one that fixed it on main's
# first-parent line (`git log --first-parent main`), or the first parent of the merge that brought it in.
ISSUE_10 = [
    (
        "1 session_hash path",
        "820c67c^",
        ["test_case1_a_client_chosen_session_hash_never_puts_a_file_outside_the_data_folder"],
    ),
    (
        "2 link out of corpus",
        "a810f54^",
        ["test_case2_a_link_out_of_the_corpus_is_refused_with_a_line_and_never_indexed"],
    ),
    (
        "2 FIFO on the command line",
        "a810f54^",
        ["test_case2_a_fifo_named_on_the_command_line_fails_at_once_instead_of_hanging"],
    ),
    (
        "3 killed index",
        "b7d99d4^1",
        ["test_case3_a_kill_at_any_write_step_of_an_edit_then_a_rerun_reaches_the_uninterrupted_store"],
    ),
    ("4 trickling LLM", "b6577e8^", ["test_case4_a_trickling_llm_is_cut_off_and_the_question_answered_extractively"]),
    (
        "4 wrong-shaped reply",
        "b6577e8^",
        ["test_case4_a_200_reply_of_the_wrong_shape_falls_back_instead_of_a_traceback"],
    ),
    ("5 long question", "b6577e8^", ["test_case5_a_question_over_the_length_bound_is_refused_naming_the_limit"]),
    (
        "5 large file",
        "a810f54^",
        ["test_case5_a_file_over_the_size_bound_is_named_with_the_limit_instead_of_indexed_for_minutes"],
    ),
    ("6 login", "b6577e8^", ["test_case6_with_briefing_auth_set_the_api_refuses_anyone_without_the_password"]),
    (
        "7 one file name, two folders",
        "a810f54^",
        ["test_case7_two_folders_with_one_file_name_in_one_collection_keep_both_and_stay_unchanged"],
    ),
    ("7 two uploads, one name", "b6577e8^", ["test_case7_two_uploads_with_one_name_in_one_call_are_both_kept"]),
    (
        "8 index while serving",
        "12fdecf^",
        ["test_case8_indexing_while_the_app_serves_the_embedded_store_is_refused_or_answerable"],
    ),
    (
        "9 injection, extractive",
        "6024708^",
        ["test_case9_an_injected_instruction_in_a_document_is_not_quoted_as_the_answer"],
    ),
    (
        "9 injection, LLM obeys it",
        "6024708^",
        ["test_case9_an_llm_that_obeys_an_injected_instruction_does_not_get_a_verified_answer"],
    ),
]


def run_tests(tree: Path, test_ids: list[str], timeout: float) -> dict[str, str]:
    """Run the tests in `tree`; map each test id to 'passed' or 'FAILED: <first assertion line>'."""
    report = Path(tempfile.mkdtemp()) / "junit.xml"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *test_ids]
    try:
        subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {test_id: f"FAILED: no result within {timeout:.0f} s" for test_id in test_ids}
    results: dict[str, str] = {}
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            name = case.get("name", "")
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is None:
                results[name] = "skipped" if case.find("skipped") is not None else "passed"
            else:
                results[name] = "FAILED: " + _assertion_line(problem.get("message", ""), problem.text or "")
    shutil.rmtree(report.parent, ignore_errors=True)
    return {test_id: _lookup(results, test_id) for test_id in test_ids}


def _assertion_line(message: str, text: str) -> str:
    # junit's message is the exception that ended the test (the last of a chain); else the first "E" line.
    lines = [line[2:].strip() for line in text.splitlines() if line.startswith("E ")]
    first = message.splitlines()[0] if message.strip() else lines[0] if lines else "failed"
    return first.replace("|", "/")[:160]


def _lookup(results: dict[str, str], test_id: str) -> str:
    name = test_id.split("::")[-1]
    found = [value for key, value in results.items() if key == name or key.startswith(name + "[")]
    if not found:
        return "not run (collection failed?)"
    failed = [value for value in found if value != "passed"]
    return failed[0] if failed else "passed"


def at_commit(commit: str, test_ids: list[str], timeout: float) -> dict[str, str]:
    """Run the tests at `commit` in a temporary worktree, with this tree's copies of their files."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", commit + "^{commit}"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = Path(tempfile.mkdtemp(prefix="prefix-")) / sha[:10]
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=REPO, capture_output=True, check=True)
    try:
        for path in sorted({test_id.split("::")[0] for test_id in test_ids}):
            (tree / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / path, tree / path)
        return run_tests(tree, test_ids, timeout)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, capture_output=True)
        shutil.rmtree(tree.parent, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", nargs="?", help="the pre-fix commit (default: issue 10's plan)")
    parser.add_argument("tests", nargs="*", help="test ids, e.g. tests/test_x.py::test_y")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pytest run")
    parser.add_argument("--only", help="with the default plan: run the cases whose label starts with this")
    args = parser.parse_args()
    if args.commit:
        plan = [(args.commit, args.commit, args.tests)]
    else:
        plan = [(case, commit, [f"{CASES}::{t}" for t in tests]) for case, commit, tests in ISSUE_10]
        plan = [row for row in plan if not args.only or row[0].startswith(args.only)]
    print("| case | test | pre-fix commit | pre-fix result | this tree |")
    print("|---|---|---|---|---|")
    for case, commit, test_ids in plan:
        before = at_commit(commit, test_ids, args.timeout)
        now = run_tests(REPO, test_ids, args.timeout)
        for test_id in test_ids:
            short = test_id.split("::")[-1]
            print(f"| {case} | `{short}` | {commit} | {before[test_id]} | {now[test_id]} |", flush=True)


if __name__ == "__main__":
    main()
