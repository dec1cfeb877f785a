#!/usr/bin/env python3
"""The shell completions cover every command and option that --help lists.

bash: the generated script is loaded and the completion function is called with
COMP_WORDS as bash would (e.g. `jira-alerts re<TAB>`, `jira-alerts replay --dr<TAB>`).
zsh and fish: the scripts must parse (`zsh -n`, `fish -n`), and fish must complete the
same words; each is skipped, saying so, when that shell is not installed.
Usage: completion.py BINARY
"""
import re
import shutil
import subprocess
import sys
import tempfile


def run(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, check=True, **kw).stdout


def commands_of(binary):
    top = run(binary, "--help")
    return re.findall(r"^  (\w+)\s{2,}", top.split("Subcommands:")[1], re.M)


def options_of(binary, command):
    return set(re.findall(r"^ +(?:-\w,)?(--[a-z][a-z-]*)", run(binary, command, "--help"), re.M))


def bash_complete(script, words):
    program = (f'source {script}\nCOMP_WORDS=({" ".join(words)})\n'
               f'COMP_CWORD={len(words) - 1}\n_jira_alerts\nprintf "%s\\n" "${{COMPREPLY[@]}}"\n')
    return sorted(w for w in run("bash", "-c", program).split("\n") if w)


def main():
    binary = sys.argv[1]
    failures = []
    commands = commands_of(binary)
    with tempfile.TemporaryDirectory() as work:
        scripts = {}
        for shell in ("bash", "zsh", "fish"):
            scripts[shell] = f"{work}/{shell}"
            with open(scripts[shell], "w", encoding="utf-8") as fh:
                fh.write(run(binary, "completion", shell))

        got = bash_complete(scripts["bash"], ["jira-alerts", "re"])
        want = sorted(c for c in commands if c.startswith("re"))
        if got != want:
            failures.append(f"bash: 'jira-alerts re<TAB>' gave {got}, expected {want}")
        if bash_complete(scripts["bash"], ["jira-alerts", "''"]) != sorted(
                commands + ["--help", "-h", "--version", "-V"]):
            failures.append("bash: 'jira-alerts <TAB>' does not list every command")
        for command in commands:
            options = options_of(binary, command)
            got = set(bash_complete(scripts["bash"], ["jira-alerts", command, "--"]))
            if not options <= got:
                failures.append(f"bash: '{command} --<TAB>' lacks {sorted(options - got)}")
        got = bash_complete(scripts["bash"], ["jira-alerts", "replay", "--dr"])
        if got != ["--dry-run"]:
            failures.append(f"bash: 'replay --dr<TAB>' gave {got}")
        print(f"bash: {len(commands)} commands and their options complete")

        if shutil.which("zsh"):
            if subprocess.run(["zsh", "-n", scripts["zsh"]]).returncode != 0:
                failures.append("zsh -n rejects the zsh script")
            print("zsh: the script parses")
        else:
            print("zsh: not installed, skipped")
        if shutil.which("fish"):
            if subprocess.run(["fish", "-n", scripts["fish"]]).returncode != 0:
                failures.append("fish -n rejects the fish script")
            got = run("fish", "-c", f"source {scripts['fish']}; complete -C'jira-alerts re'")
            got = sorted(line.split("\t")[0] for line in got.splitlines())
            if got != want:
                failures.append(f"fish: 'jira-alerts re<TAB>' gave {got}, expected {want}")
            print("fish: the script parses and completes commands")
        else:
            print("fish: not installed, skipped")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
