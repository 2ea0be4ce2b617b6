# SPDX-License-Identifier: Apache-2.0
"""The manual pages: lint clean, and in step with the programs' --help.

Every option --help prints must be documented in the page's OPTIONS
section (with the same short name and argument), every option the page
documents must exist, and the SYNOPSIS must match the usage lines.
"""

import os
import re
import subprocess

import pytest

from installkit import BUILD, REPO

PAGES = {
    "vmnet-helper": os.path.join(REPO, "docs", "man", "vmnet-helper.8"),
    "vmnet-client": os.path.join(REPO, "docs", "man", "vmnet-client.1"),
}

# "  -f, --fd FD      help" or "      --enable-tso    help"
HELP_OPTION = re.compile(r"^  (?:-(\w), |    )--([a-z0-9][a-z0-9-]*)(?: ([A-Z][A-Z]*))?(?:  |$)")


@pytest.mark.parametrize("page", sorted(PAGES.values()))
def test_mandoc_lint_is_clean(page):
    cp = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", page], capture_output=True, text=True)
    assert (cp.returncode, cp.stdout + cp.stderr) == (0, "")


@pytest.mark.parametrize("page", sorted(PAGES.values()))
def test_groff_has_no_warnings(page):
    cp = subprocess.run(["groff", "-ww", "-z", "-mandoc", page], capture_output=True, text=True)
    assert (cp.returncode, cp.stdout + cp.stderr) == (0, "")


def render(page):
    """The page as plain text (mandoc's overstrike bold removed)."""
    out = subprocess.run(
        ["mandoc", "-T", "ascii", "-O", "width=200", page], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r".\x08", "", out)


def section(text, name):
    match = re.search(r"^%s\n(.*?)(?=^[A-Z][A-Z ]+\n)" % name, text, re.S | re.M)
    assert match, "no %s section" % name
    return match.group(1)


def help_text(program):
    path = os.path.join(BUILD, program)
    if not os.access(path, os.X_OK):
        pytest.fail("%s is not built: run make first" % path)
    cp = subprocess.run([path, "--help"], capture_output=True, text=True)
    assert cp.returncode == 0, cp.stderr
    return cp.stdout


def help_options(text):
    """(short, long, argument) for every option line of --help."""
    found = [HELP_OPTION.match(line) for line in text.splitlines()]
    options = [m.groups() for m in found if m]
    assert options, "no options found in --help:\n" + text
    return options


def usage_lines(text):
    lines = text.splitlines()
    assert lines[0].startswith("Usage: ")
    out = [lines[0][len("Usage: "):]]
    for line in lines[1:]:
        if not line.strip():
            break
        out.append(line)
    return [" ".join(l.split()) for l in out]


@pytest.mark.parametrize("program", sorted(PAGES))
def test_every_help_option_is_documented(program):
    options = section(render(PAGES[program]), "OPTIONS")
    missing = []
    for short, name, arg in help_options(help_text(program)):
        long_form = "--%s %s" % (name, arg) if arg else "--%s" % name
        if not re.search(r"(^|\s)%s(,|$)" % re.escape(long_form), options, re.M):
            missing.append(long_form)
        if short:
            short_form = "-%s %s" % (short, arg) if arg else "-%s" % short
            if not re.search(r"^\s+%s, --%s\b" % (re.escape(short_form), name), options, re.M):
                missing.append("%s (as %s, --%s)" % (short_form, short_form, name))
    assert not missing, "%s(%s) does not document: %s" % (program, PAGES[program][-1], ", ".join(missing))


@pytest.mark.parametrize("program", sorted(PAGES))
def test_every_documented_option_exists(program):
    known = {name for _, name, _ in help_options(help_text(program))}
    with open(PAGES[program]) as f:
        source = f.read()
    options = re.search(r"^\.Sh OPTIONS\n(.*?)^\.Sh ", source, re.S | re.M).group(1)
    # The list items (".It Fl f Ar FD , Fl \-fd Ar FD") name the options.
    items = re.findall(r"^\.It (.*)$", options, re.M)
    documented = {name for item in items for name in re.findall(r"Fl \\-([a-z0-9][a-z0-9-]*)", item)}
    assert documented, "no options found in the OPTIONS section"
    assert documented - known == set()


@pytest.mark.parametrize("program", sorted(PAGES))
def test_synopsis_matches_usage(program):
    synopsis = [" ".join(l.split()) for l in section(render(PAGES[program]), "SYNOPSIS").splitlines() if l.strip()]
    assert synopsis == usage_lines(help_text(program))
