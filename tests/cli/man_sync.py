#!/usr/bin/env python3
"""The man page and --help stay in step: every command and every option that a
command's --help lists is documented in man/jira-alerts.1, and the page names no
command the program lacks.
Usage: man_sync.py BINARY MAN_PAGE
"""
import re
import subprocess
import sys


def help_text(binary, *args):
    return subprocess.run([binary, *args, "--help"], capture_output=True, text=True,
                          check=True).stdout


def main():
    binary, man_path = sys.argv[1:3]
    page = open(man_path, encoding="utf-8").read()
    # roff escapes the hyphens of options as \- ; compare without them.
    plain = page.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")
    top = help_text(binary)
    commands = re.findall(r"^  (\w+)\s{2,}", top.split("Subcommands:")[1], re.M)
    failures = []
    for command in commands:
        if not re.search(rf"^\.SS\s+\"?jira-alerts {command}\b", page, re.M):
            failures.append(f"command '{command}' has no .SS section in the man page")
        options = set(re.findall(r"^ +(?:-\w,)?(--[a-z][a-z-]*)", help_text(binary, command), re.M))
        options.discard("--help")
        for option in sorted(options):
            if option not in plain:
                failures.append(f"'{command} {option}' is not in the man page")
    for section in re.findall(r"^\.SS\s+\"?jira-alerts (\w+)", page, re.M):
        if section not in commands:
            failures.append(f"the man page documents '{section}', which the program lacks")
    for f in failures:
        print("FAIL " + f)
    print(f"{len(commands)} commands checked; {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
