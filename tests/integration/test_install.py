# SPDX-License-Identifier: Apache-2.0
"""install.sh: ownership and modes, refusal of unsafe prefixes, sudoers
validation, idempotence, uninstall; and the Makefile's install targets.

Runs as root. Every test works in its own directory under /run and a
private sudoers directory; the real /etc/sudoers.d is never touched.
"""

import io
import os
import pty
import shutil
import stat
import subprocess
import tarfile

import pytest

from installkit import BUILD, DIRS, LAYOUT, PROGRAMS, REPO, make_archive, make_source_tree, run_install, safe_tmpdir, tree

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="install.sh tests need root")

RULE = "%{group} ALL = (root) NOPASSWD: NOSETENV: {prefix}/bin/vmnet-helper"
SNIPPET = "Defaults!{prefix}/bin/vmnet-helper closefrom_override"


@pytest.fixture
def work():
    """A root-owned 0755 scratch directory with a source tree, a sudoers
    directory and room for a prefix."""
    root = safe_tmpdir()
    try:
        src = make_source_tree(root)
        sudoers = os.path.join(root, "sudoers.d")
        os.mkdir(sudoers, 0o755)
        yield {
            "root": root,
            "src": src,
            "prefix": os.path.join(root, "prefix"),
            "sudoers": sudoers,
        }
    finally:
        shutil.rmtree(root)


def install(w, *args, **kw):
    return run_install(w["src"], "--prefix", w["prefix"], "--sudoers-dir", w["sudoers"], *args, **kw)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_files_are_root_owned_with_modes(work):
    install(work, "--no-sudoers")
    for rel, source in LAYOUT.items():
        path = os.path.join(work["prefix"], rel)
        st = os.lstat(path)
        assert stat.S_ISREG(st.st_mode), rel
        assert (st.st_uid, st.st_gid) == (0, 0), rel
        want = 0o755 if rel.startswith("bin/") else 0o644
        assert stat.S_IMODE(st.st_mode) == want, rel
        assert read(path) == read(os.path.join(work["src"], source)), rel
    for rel in DIRS:
        st = os.lstat(os.path.join(work["prefix"], rel))
        assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o755, rel
        assert (st.st_uid, st.st_gid) == (0, 0), rel
    manifest = os.path.join(work["prefix"], "share/doc/vmnet-helper/MANIFEST")
    assert stat.S_IMODE(os.stat(manifest).st_mode) == 0o644
    assert os.listdir(work["sudoers"]) == []


def test_second_install_is_a_noop(work):
    install(work, "--sudoers", "--closefrom", "--sudoers-group", "staff")
    before = tree(work["prefix"])
    before_sudoers = tree(work["sudoers"])
    # No flag and no terminal: the rule already there is reported, not skipped.
    cp = install(work, "--closefrom", "--sudoers-group", "staff")
    lines = cp.stdout.splitlines()
    assert lines[-1] == "vmnet-helper in %s: unchanged" % work["prefix"]
    assert all(line.startswith("unchanged ") for line in lines[:-1]), cp.stdout
    assert len(lines) == len(LAYOUT) + 2 + 1
    after = tree(work["prefix"])
    assert after.keys() == before.keys()
    for rel in after:  # same inodes, not even rewritten
        assert (after[rel].st_ino, after[rel].st_mtime_ns) == (before[rel].st_ino, before[rel].st_mtime_ns), rel
    assert tree(work["sudoers"]).keys() == before_sudoers.keys()


def test_changed_file_and_mode_are_repaired(work):
    install(work, "--no-sudoers")
    helper = os.path.join(work["prefix"], "bin/vmnet-helper")
    page = os.path.join(work["prefix"], "share/man/man1/vmnet-client.1")
    with open(helper, "ab") as f:
        f.write(b"tampered")
    os.chmod(page, 0o666)
    cp = install(work, "--no-sudoers")
    assert "installed %s" % helper in cp.stdout.splitlines()
    assert "installed %s" % page in cp.stdout.splitlines()
    assert "unchanged %s/bin/vmnet-client" % work["prefix"] in cp.stdout.splitlines()
    assert read(helper) == read(os.path.join(work["src"], "build/vmnet-helper"))
    assert stat.S_IMODE(os.stat(page).st_mode) == 0o644


@pytest.mark.parametrize(
    "owner, mode, gid, message",
    [
        (65534, 0o755, 0, "is owned by uid 65534"),
        (0, 0o777, 0, "is writable by every user"),
        (0, 0o1777, 0, "is writable by every user"),
        (0, 0o775, 100, "is writable by group 100"),
    ],
)
def test_refuses_prefix_under_unsafe_directory(work, owner, mode, gid, message):
    parent = os.path.join(work["root"], "parent")
    os.mkdir(parent)
    os.chown(parent, owner, gid)
    os.chmod(parent, mode)
    prefix = os.path.join(parent, "deep", "prefix")
    cp = run_install(work["src"], "--prefix", prefix, "--no-sudoers", check=False)
    assert cp.returncode == 1
    assert "%s %s" % (parent, message) in cp.stderr
    assert os.listdir(parent) == []


def test_refuses_existing_prefix_owned_by_user(work):
    os.mkdir(work["prefix"])
    os.chown(work["prefix"], 65534, 65534)
    cp = install(work, "--no-sudoers", check=False)
    assert cp.returncode == 1
    assert "owned by uid 65534" in cp.stderr
    assert os.listdir(work["prefix"]) == []


def test_refuses_symlink_into_world_writable_directory(work):
    # The link itself sits in a safe directory; where it leads does not.
    target = os.path.join(work["root"], "open")
    os.mkdir(target)
    os.chmod(target, 0o777)
    os.symlink(target, os.path.join(work["root"], "link"))
    cp = run_install(
        work["src"], "--prefix", os.path.join(work["root"], "link", "prefix"), "--no-sudoers", check=False
    )
    assert cp.returncode == 1
    assert "%s is writable by every user" % target in cp.stderr
    assert os.listdir(target) == []


def test_follows_symlink_to_safe_directory(work):
    real = os.path.join(work["root"], "real")
    os.mkdir(real, 0o755)
    os.symlink(real, os.path.join(work["root"], "link"))
    run_install(work["src"], "--prefix", os.path.join(work["root"], "link", "p"), "--no-sudoers")
    assert os.path.isfile(os.path.join(real, "p", "bin", "vmnet-helper"))


@pytest.mark.parametrize("prefix", ["relative/path", "/opt/with space", "/opt/../etc", "/"])
def test_rejects_bad_prefix_names(work, prefix):
    cp = run_install(work["src"], "--prefix", prefix, "--no-sudoers", check=False)
    assert cp.returncode == 1
    assert "--prefix" in cp.stderr


def test_sudoers_rule_rendered_and_valid(work):
    install(work, "--sudoers", "--sudoers-group", "staff", "--closefrom")
    rule = os.path.join(work["sudoers"], "vmnet-helper")
    snippet = os.path.join(work["sudoers"], "vmnet-helper-closefrom")
    assert sorted(os.listdir(work["sudoers"])) == ["vmnet-helper", "vmnet-helper-closefrom"]
    for path in (rule, snippet):
        st = os.stat(path)
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o440)
        subprocess.run(["visudo", "-cf", path], check=True, capture_output=True)
    active = [l for l in read(rule).decode().splitlines() if l and not l.startswith("#")]
    assert active == [RULE.format(group="staff", prefix=work["prefix"])]
    active = [l for l in read(snippet).decode().splitlines() if l and not l.startswith("#")]
    assert active == [SNIPPET.format(prefix=work["prefix"])]


def test_sudoers_rule_for_one_user(work):
    install(work, "--sudoers", "--sudoers-user", "nobody")
    text = read(os.path.join(work["sudoers"], "vmnet-helper")).decode()
    assert "\nnobody ALL = (root) NOPASSWD: NOSETENV: %s/bin/vmnet-helper\n" % work["prefix"] in text
    assert "%staff ALL" not in text


def test_unknown_group_is_refused(work):
    cp = install(work, "--sudoers", "--sudoers-group", "no-such-group-vmnet", check=False)
    assert cp.returncode == 1
    assert "no such group" in cp.stderr
    assert not os.path.exists(work["prefix"])
    assert os.listdir(work["sudoers"]) == []


def test_broken_rule_is_refused_and_nothing_installed(work):
    def edit(rel, data):
        if rel.endswith("sudoers.d/vmnet-helper"):
            return data + b"this line is not sudoers syntax\n"
        return data

    archive = make_archive(work["src"], work["root"], edit=edit)
    cp = install(work, "--sudoers", "--sudoers-group", "staff", archive, check=False)
    assert cp.returncode == 1
    assert "invalid; nothing was installed" in cp.stderr
    assert not os.path.exists(work["prefix"])
    assert os.listdir(work["sudoers"]) == []  # no temporary file left


def test_template_without_rule_is_refused(work):
    def edit(rel, data):
        if rel.endswith("sudoers.d/vmnet-helper"):
            return data.replace(b"NOSETENV: ", b"")
        return data

    archive = make_archive(work["src"], work["root"], edit=edit)
    cp = install(work, "--sudoers", "--sudoers-group", "staff", archive, check=False)
    assert cp.returncode == 1
    assert "not a vmnet-helper sudoers template" in cp.stderr
    assert not os.path.exists(work["prefix"])
    assert os.listdir(work["sudoers"]) == []


def test_no_terminal_and_no_flag_skips_the_rule(work):
    cp = install(work)
    assert "skipped the sudoers rule: no terminal to ask" in cp.stdout
    assert os.listdir(work["sudoers"]) == []
    assert os.path.isfile(os.path.join(work["prefix"], "bin/vmnet-helper"))


def on_terminal(w, answers, *args):
    """Run install.sh with a terminal on stdin that types answers."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [os.path.join(w["src"], "install.sh"), "--prefix", w["prefix"], "--sudoers-dir",
             w["sudoers"], "--sudoers-group", "staff", *args],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        os.write(master, answers)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 0, err
    return out.decode()


CLOSEFROM_QUESTION = "Install {sudoers}/vmnet-helper-closefrom? [Y/n]"


@pytest.mark.parametrize("answers, rule, snippet", [
    (b"y\ny\n", True, True),
    (b"y\n\n", True, True),  # closefrom_override defaults to yes
    (b"y\nn\n", True, False),
    (b"\n", False, False),  # no rule: no second question
])
def test_asks_on_a_terminal(work, answers, rule, snippet):
    out = on_terminal(work, answers)
    assert "run %s/bin/vmnet-helper as root without a password" % work["prefix"] in out
    asked = CLOSEFROM_QUESTION.format(**work) in out
    assert asked == rule
    if asked:
        # The trade-off, in one line, between the first question (whose
        # answer the terminal echoes, not install.sh) and the second.
        between = out.split("[y/N] ", 1)[1].split(CLOSEFROM_QUESTION.format(**work))[0]
        tradeoff = between.splitlines()
        assert len(tradeoff) == 1 and tradeoff[0].startswith("closefrom_override: ")
        assert "--socket" in tradeoff[0] and "descriptor" in tradeoff[0]
    assert os.path.exists(os.path.join(work["sudoers"], "vmnet-helper")) == rule
    path = os.path.join(work["sudoers"], "vmnet-helper-closefrom")
    assert os.path.exists(path) == snippet
    if snippet:
        assert read(path).decode().splitlines()[-1] == SNIPPET.format(**work)


@pytest.mark.parametrize("flag, snippet", [("--closefrom", True), ("--no-closefrom", False)])
def test_closefrom_flags_answer_without_prompt(work, flag, snippet):
    out = on_terminal(work, b"", "--sudoers", flag)
    assert "[Y/n]" not in out and "[y/N]" not in out
    assert os.path.exists(os.path.join(work["sudoers"], "vmnet-helper"))
    assert os.path.exists(os.path.join(work["sudoers"], "vmnet-helper-closefrom")) == snippet


def test_closefrom_not_asked_again_when_installed(work):
    install(work, "--sudoers", "--sudoers-group", "staff", "--closefrom")
    out = on_terminal(work, b"")
    assert "[Y/n]" not in out and "[y/N]" not in out
    assert out.splitlines()[-1].endswith(": unchanged")


def test_no_terminal_skips_closefrom(work):
    cp = install(work, "--sudoers", "--sudoers-group", "staff")
    assert "skipped closefrom_override: no terminal to ask" in cp.stdout
    assert os.listdir(work["sudoers"]) == ["vmnet-helper"]


def test_dry_run_changes_nothing(work):
    cp = install(work, "--dry-run", "--sudoers", "--sudoers-group", "staff", "--closefrom")
    assert "would install %s/bin/vmnet-helper" % work["prefix"] in cp.stdout
    assert "would install %s/vmnet-helper" % work["sudoers"] in cp.stdout
    assert not os.path.exists(work["prefix"])
    assert os.listdir(work["sudoers"]) == []


def test_uninstall_removes_exactly_what_was_installed(work):
    # Things that were there before the install must survive the uninstall.
    os.makedirs(os.path.join(work["prefix"], "bin"))
    for rel in ("keep.txt", "bin/other-tool"):
        with open(os.path.join(work["prefix"], rel), "w") as f:
            f.write("not ours\n")
    with open(os.path.join(work["sudoers"], "someone-else"), "w") as f:
        f.write("# not ours\n")
    before = tree(work["prefix"])
    install(work, "--sudoers", "--sudoers-group", "staff", "--closefrom")
    assert len(tree(work["prefix"])) > len(before)
    cp = install(work, "--uninstall")
    assert "vmnet-helper uninstalled from %s" % work["prefix"] in cp.stdout
    assert tree(work["prefix"]).keys() == before.keys()
    assert os.listdir(work["sudoers"]) == ["someone-else"]


def test_uninstall_removes_created_prefix_and_keeps_changed_files(work):
    install(work, "--no-sudoers")
    page = os.path.join(work["prefix"], "share/man/man8/vmnet-helper.8")
    with open(page, "a") as f:
        f.write(".\\\" local note\n")
    cp = install(work, "--uninstall")
    assert "kept %s: changed since it was installed" % page in cp.stdout
    assert sorted(tree(work["prefix"])) == [".", "share", "share/man", "share/man/man8", "share/man/man8/vmnet-helper.8"]
    os.remove(page)
    # Nothing recorded any more: a second uninstall has nothing to do.
    cp = install(work, "--uninstall", check=False)
    assert cp.returncode == 1
    assert "no manifest" in cp.stderr


def test_uninstall_after_full_install_leaves_nothing(work):
    install(work, "--sudoers", "--sudoers-group", "staff")
    install(work, "--uninstall")
    assert not os.path.exists(work["prefix"])
    assert os.listdir(work["sudoers"]) == []


def test_missing_parents_are_created_and_removed(work):
    prefix = os.path.join(work["root"], "opt", "tools", "vmnet-helper")
    cp = run_install(work["src"], "--prefix", prefix, "--no-sudoers")
    for path in (os.path.join(work["root"], "opt"), os.path.dirname(prefix), prefix):
        assert "created %s" % path in cp.stdout.splitlines()
        st = os.stat(path)
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o755)
    run_install(work["src"], "--prefix", prefix, "--uninstall")
    assert not os.path.exists(os.path.join(work["root"], "opt"))


def test_manifest_naming_foreign_paths_is_refused(work):
    install(work, "--no-sudoers")
    manifest = os.path.join(work["prefix"], "share/doc/vmnet-helper/MANIFEST")
    victim = os.path.join(work["root"], "victim")
    with open(victim, "w") as f:
        f.write("keep\n")
    with open(victim) as f:
        crc = subprocess.run(["cksum"], stdin=f, capture_output=True, text=True).stdout.split()
    with open(manifest, "a") as f:
        f.write("file %s %s %s\n" % (crc[0], crc[1], victim))
    cp = install(work, "--uninstall", check=False)
    assert cp.returncode == 1
    assert "unexpected file" in cp.stderr
    assert os.path.exists(victim)
    assert os.path.exists(os.path.join(work["prefix"], "bin/vmnet-helper"))


def test_install_from_release_archive(work):
    archive = make_archive(work["src"], work["root"])
    # The source tree's build/ is not used: an archive is given.
    shutil.rmtree(os.path.join(work["src"], "build"))
    install(work, "--no-sudoers", archive)
    for rel, source in LAYOUT.items():
        assert os.path.isfile(os.path.join(work["prefix"], rel)), rel
    cp = install(work, "--no-sudoers", archive)
    assert cp.stdout.splitlines()[-1].endswith(": unchanged")


def test_install_from_unpacked_release(work):
    # The release archive carries install.sh at its top: run it from there.
    archive = make_archive(work["src"], work["root"])
    with tarfile.open(archive) as tar:
        tar.extractall(work["root"])
    top = os.path.join(work["root"], "vmnet-helper-9.8.7")
    shutil.copy2(os.path.join(REPO, "install.sh"), top)
    shutil.rmtree(os.path.join(work["src"], "build"))
    run_install(top, "--prefix", work["prefix"], "--no-sudoers")
    for rel in LAYOUT:
        assert read(os.path.join(work["prefix"], rel)) == read(os.path.join(top, rel)), rel


def test_licences_and_readme_are_installed_when_present(work):
    shutil.copy(os.path.join(REPO, "LICENSE"), work["src"])
    install(work, "--no-sudoers")
    doc = os.path.join(work["prefix"], "share/doc/vmnet-helper")
    assert read(os.path.join(doc, "LICENSE")) == read(os.path.join(REPO, "LICENSE"))
    assert not os.path.exists(os.path.join(doc, "README.md"))

    # A release also carries cJSON's licence.
    notice = b"cJSON licence text\n"
    info = tarfile.TarInfo("vmnet-helper-9.8.7/share/doc/vmnet-helper/LICENSE.cJSON")
    info.size = len(notice)
    archive = make_archive(work["src"], work["root"], extra=[(info, notice)])
    install(work, "--no-sudoers", archive)
    assert read(os.path.join(doc, "LICENSE.cJSON")) == notice
    assert stat.S_IMODE(os.stat(os.path.join(doc, "LICENSE.cJSON")).st_mode) == 0o644
    install(work, "--uninstall")
    assert not os.path.exists(work["prefix"])


def _member(name, kind=tarfile.REGTYPE, target=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize(
    "extra, message",
    [
        ([(_member("vmnet-helper-9.8.7/../evil"), b"")], "unsafe member"),
        ([(_member("other-top/file"), b"")], "more than one top directory"),
    ],
)
def test_unsafe_archives_are_refused(work, extra, message):
    archive = make_archive(work["src"], work["root"], extra=extra)
    cp = install(work, "--no-sudoers", archive, check=False)
    assert cp.returncode == 1
    assert message in cp.stderr
    assert not os.path.exists(work["prefix"])


def test_symlink_in_archive_is_refused(work):
    archive = make_archive(work["src"], work["root"], version="1.0")
    # Rebuild with the helper replaced by a symlink to a root-only file.
    with tarfile.open(archive) as src_tar:
        members = [(m, src_tar.extractfile(m).read()) for m in src_tar.getmembers()]
    with tarfile.open(archive, "w:gz") as tar:
        for m, data in members:
            if m.name.endswith("bin/vmnet-helper"):
                tar.addfile(_member(m.name, tarfile.SYMTYPE, "/etc/shadow"))
            else:
                tar.addfile(m, fileobj=io.BytesIO(data))
    cp = install(work, "--no-sudoers", archive, check=False)
    assert cp.returncode == 1
    assert "is a symbolic link" in cp.stderr
    assert not os.path.exists(work["prefix"])


def test_make_install_and_uninstall_with_destdir(work):
    for name in PROGRAMS:
        if not os.path.exists(os.path.join(BUILD, name)):
            pytest.fail("%s/%s missing: run make first" % (BUILD, name))
    destdir = os.path.join(work["root"], "stage")
    make = ["make", "--no-print-directory", "-C", REPO, "B=" + BUILD, "DESTDIR=" + destdir,
            "PREFIX=/opt/vmnet-helper"]
    subprocess.run(make + ["install"], check=True, capture_output=True)
    staged = os.path.join(destdir, "opt/vmnet-helper")
    for rel in LAYOUT:
        st = os.stat(os.path.join(staged, rel))
        assert stat.S_IMODE(st.st_mode) == (0o755 if rel.startswith("bin/") else 0o644), rel
    # The staged tree is the release layout: install.sh takes it as an archive.
    archive = os.path.join(work["root"], "vmnet-helper-0.0.tar.gz")
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(staged, arcname="vmnet-helper-0.0")
    install(work, "--no-sudoers", archive)
    subprocess.run(make + ["uninstall"], check=True, capture_output=True)
    assert os.listdir(destdir) == ["opt"]
    assert os.listdir(os.path.join(destdir, "opt")) == []


@pytest.mark.parametrize("kind, name", [("systemd", "vmnet-helper-serve-stream.service"),
                                        ("launchd", "io.github.vmnet-helper.serve-stream.plist")])
def test_serve_stream_service(work, kind, name):
    """The daemon's service file is installed only when asked, names the
    installed helper with socket_vmnet's defaults, and goes with uninstall."""
    import plistlib

    services = os.path.join(work["root"], "services")
    os.mkdir(services, 0o755)
    install(work, "--no-sudoers", "--service-dir", services, "--service-type", kind)
    assert os.listdir(services) == []
    cp = install(work, "--no-sudoers", "--serve-stream", "--service-dir", services,
                 "--service-type", kind)
    path = os.path.join(services, name)
    st = os.stat(path)
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o644)
    assert "start the daemon with:" in cp.stdout
    helper = os.path.join(work["prefix"], "bin", "vmnet-helper")
    expected = [helper, "--serve-stream", "/var/run/socket_vmnet", "--start-address",
                "192.168.105.1", "--end-address", "192.168.105.254", "--subnet-mask",
                "255.255.255.0"]
    if kind == "launchd":
        plist = plistlib.loads(read(path))
        assert plist["ProgramArguments"] == expected
        assert plist["UserName"] == "root" and plist["ProcessType"] == "Interactive"
    else:
        lines = read(path).decode().splitlines()
        assert "ExecStart=" + " ".join(expected) in lines
    # The arguments are ones the helper accepts.
    argv = [os.path.join(REPO, "build", "vmnet-helper")] + expected[1:] + ["--help"]
    if os.access(argv[0], os.X_OK):
        assert subprocess.run(argv, capture_output=True).returncode == 0
    cp = install(work, "--no-sudoers", "--serve-stream", "--service-dir", services,
                 "--service-type", kind)
    assert "unchanged " + path in cp.stdout
    install(work, "--uninstall")
    assert os.listdir(services) == []


def test_serve_stream_bad_service_type(work):
    cp = install(work, "--serve-stream", "--service-type", "upstart", check=False)
    assert cp.returncode == 1
    assert "--service-type must be launchd or systemd" in cp.stderr
    assert not os.path.exists(work["prefix"])
# macOS signing, with stand-ins for uname (says Darwin) and codesign (a
# signature is a marker line appended to the file, made only when the
# entitlements file grants the virtualization entitlement).
FAKE_CODESIGN = r"""#!/bin/sh
mark='#signed-with-com.apple.security.virtualization'
for file; do :; done
case $1 in
--force)
	ent=
	while [ $# -gt 1 ]; do
		[ "$1" = --entitlements ] && ent=$2
		shift
	done
	grep -q '<key>com.apple.security.virtualization</key>' "$ent" || exit 3
	grep -qxF "$mark" "$file" || echo "$mark" >>"$file"
	;;
--verify) [ "$2" = --strict ] && grep -qxF "$mark" "$file" ;;
-d) grep -qxF "$mark" "$file" && echo '<key>com.apple.security.virtualization</key>' ;;
*) exit 2 ;;
esac
"""
MARK = b"#signed-with-com.apple.security.virtualization\n"


@pytest.fixture
def mac(work):
    fake = os.path.join(work["root"], "fakebin")
    os.mkdir(fake)
    for name, text in (("codesign", FAKE_CODESIGN), ("uname", "#!/bin/sh\necho Darwin\n")):
        with open(os.path.join(fake, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(fake, name), 0o755)
    work["env"] = dict(os.environ, PATH=fake + ":" + os.environ["PATH"])
    # A Mac has /Library/LaunchAgents; this machine gets a directory of its own.
    work["agents"] = os.path.join(work["root"], "LaunchAgents")
    os.mkdir(work["agents"], 0o755)
    return work


def mac_install(w, src, *args, check=True):
    cp = subprocess.run([os.path.join(src, "install.sh"), "--prefix", w["prefix"], "--no-sudoers",
                         "--launch-agents-dir", w["agents"], *args],
                        capture_output=True, text=True, cwd="/", env=w["env"])
    assert (cp.returncode == 0) == check, cp.stdout + cp.stderr
    return cp


def mac_archive(w, **kwargs):
    """A release archive with the launch agent template a Mac's install needs."""
    rel = "share/doc/vmnet-helper/launchd/io.github.vmnet-helper.networks.plist"
    with open(os.path.join(REPO, "scripts", "macos", "launchd", os.path.basename(rel)), "rb") as f:
        data = f.read()
    info = tarfile.TarInfo("vmnet-helper-9.8.7/" + rel)
    info.size, info.mode = len(data), 0o644
    return make_archive(w["src"], w["root"], extra=[(info, data)], **kwargs)


def test_mac_signs_a_helper_built_from_source(mac):
    macos = os.path.join(mac["src"], "scripts", "macos")
    os.makedirs(macos)
    for name in ("sign.sh", "vmnet-helper.entitlements"):
        shutil.copy2(os.path.join(REPO, "scripts", "macos", name), macos)
    shutil.copytree(os.path.join(REPO, "scripts", "macos", "launchd"),
                    os.path.join(macos, "launchd"))
    built = read(os.path.join(mac["src"], "build", "vmnet-helper"))
    cp = mac_install(mac, mac["src"])
    assert "signed vmnet-helper ad hoc with com.apple.security.virtualization" in cp.stdout
    helper = os.path.join(mac["prefix"], "bin", "vmnet-helper")
    assert read(helper) == built + MARK
    assert read(os.path.join(mac["src"], "build", "vmnet-helper")) == built
    # The signature is the same every time: a second run changes nothing.
    cp = mac_install(mac, mac["src"])
    assert cp.stdout.splitlines()[-1] == "vmnet-helper in %s: unchanged" % mac["prefix"], cp.stdout


def test_mac_keeps_a_signed_release_helper(mac):
    archive = mac_archive(mac, edit=lambda rel, data: data + MARK if rel == "bin/vmnet-helper" else data)
    cp = mac_install(mac, mac["src"], archive)
    assert "signed vmnet-helper" not in cp.stdout
    helper = read(os.path.join(mac["prefix"], "bin", "vmnet-helper"))
    assert helper == read(os.path.join(mac["src"], "build", "vmnet-helper")) + MARK


def test_mac_refuses_an_unsigned_helper_it_cannot_sign(mac):
    archive = mac_archive(mac)
    cp = mac_install(mac, mac["src"], archive, check=False)
    assert "is not signed with com.apple.security.virtualization" in cp.stderr
    assert len(cp.stderr.splitlines()) == 1, cp.stderr
    assert not os.path.exists(mac["prefix"])


def agent_source_and_dir(w, label):
    """Put the launch agent template in the source tree; a new agents directory."""
    template = os.path.join("scripts", "macos", "launchd", label + ".plist")
    os.makedirs(os.path.join(w["src"], os.path.dirname(template)))
    shutil.copy2(os.path.join(REPO, template), os.path.join(w["src"], template))
    agents = os.path.join(w["root"], "LaunchAgents")
    os.mkdir(agents, 0o755)
    return agents


def test_launch_agent_rendered_and_removed(work):
    """The network service's launch agent (macOS; a directory is given here)."""
    label = "io.github.vmnet-helper.networks"
    agents = agent_source_and_dir(work, label)
    install(work, "--no-sudoers", "--launch-agents-dir", agents)
    agent = os.path.join(agents, label + ".plist")
    st = os.lstat(agent)
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, 0, 0o644)
    text = read(agent).decode()
    assert "<string>%s/bin/vmnet-helper</string>" % work["prefix"] in text
    assert "/opt/vmnet-helper" not in text.split("-->", 1)[1]
    assert "<key>MachServices</key>" in text and "<string>--serve-networks</string>" in text
    cp = install(work, "--no-sudoers", "--launch-agents-dir", agents)
    assert "unchanged" in cp.stdout.splitlines()[-1]
    install(work, "--uninstall")
    assert os.listdir(agents) == []


def test_uninstall_removes_the_agent_of_the_old_label(work):
    """Earlier installs named the agent com.github.nirs.vmnet-helper.networks:
    an uninstall from such a manifest removes it too."""
    label, old = "io.github.vmnet-helper.networks", "com.github.nirs.vmnet-helper.networks"
    agents = agent_source_and_dir(work, label)
    install(work, "--no-sudoers", "--launch-agents-dir", agents)
    # Make the install look like an earlier one: the agent and its manifest line renamed.
    os.rename(os.path.join(agents, label + ".plist"), os.path.join(agents, old + ".plist"))
    manifest = os.path.join(work["prefix"], "share", "doc", "vmnet-helper", "MANIFEST")
    text = read(manifest).decode()
    assert label + ".plist" in text
    with open(manifest, "w") as f:
        f.write(text.replace(label + ".plist", old + ".plist"))
    cp = install(work, "--uninstall")
    assert "removed %s/%s.plist" % (agents, old) in cp.stdout, cp.stdout
    assert os.listdir(agents) == []
