"""The command line as a user meets it: one clear line for every mistake, nothing half-written."""
import json
import subprocess
import sys
import wave

import numpy as np
import pytest

from vigvision.testing.synth import make_video, truncate


def run(*args, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "vigvision.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def write(path, content: bytes):
    path.write_bytes(content)
    return path


def write_wav(path, seconds=1.0, rate=16000):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes((np.sin(np.arange(int(seconds * rate)) * 0.1) * 8000).astype(np.int16).tobytes())
    return path


def zero_length_mp4(path):
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width = s.height = 64
        s.pix_fmt = "yuv420p"
        c.start_encoding()
    return path


def unfinished_mp4(d):
    truth = make_video(d / "rec.mp4", duration_s=2.0, faststart=False)
    return truncate(truth.path, d / "unfinished.mp4", 0.6)


BAD_INPUTS = [
    # (how to make it, words the one-line error must contain)
    (lambda d: d / "missing.mp4", "file not found"),
    (lambda d: d, "is a folder"),
    (lambda d: write(d / "e.mp4", b""), "empty"),
    (lambda d: write(d / "t.mp4", b"hello " * 100), "not a readable video"),
    (lambda d: write_wav(d / "voice.wav"), "found only audio"),
    (lambda d: zero_length_mp4(d / "zero.mp4"), "no video frames"),
    (unfinished_mp4, "index ('moov') is missing"),
]


@pytest.mark.parametrize("make, words", BAD_INPUTS)
def test_bad_input_gets_one_clear_line(tmp_path, make, words):
    path = make(tmp_path)
    out = tmp_path / "result"
    code, stdout, stderr = run("analyze", path, "-o", out, "-q")
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("vigvision: error: ") and words in lines[0] and str(path) in lines[0]
    assert "Traceback" not in stderr
    assert not (out / "analysis.json").exists()


def test_bad_config_names_the_setting(tmp_path):
    clip = make_video(tmp_path / "c.mp4", duration_s=0.5)
    cfg = tmp_path / "my.toml"
    cfg.write_text("[ingest]\nanalysis_fsp = 5\n")
    code, _, stderr = run("analyze", clip.path, "--config", cfg, "-q")
    assert code == 2 and "unknown setting 'analysis_fsp'" in stderr and str(cfg) in stderr
    cfg.write_text("[ingest]\nanalysis_fps = 'fast'\n")
    code, _, stderr = run("analyze", clip.path, "--config", cfg, "-q")
    assert code == 2 and "expected float" in stderr
    code, _, stderr = run("analyze", clip.path, "--fps", "-3", "-q")
    assert code == 2 and "analysis_fps must be" in stderr


def test_analyze_truncated_file_warns_and_succeeds(tmp_path):
    clip = make_video(tmp_path / "full.mkv", duration_s=6.0)
    cut = truncate(clip.path, tmp_path / "cut.mkv", 0.5)
    code, stdout, stderr = run("analyze", cut, "-o", tmp_path / "out", "-q")
    assert code == 0
    assert "vigvision: warning: video decoding stopped at" in stderr
    assert json.loads((tmp_path / "out" / "analysis.json").read_text())["warnings"]


def test_analyze_summary_validate_info_config(tmp_path):
    clip = make_video(tmp_path / "c.mp4", duration_s=2.0, fps=25)
    code, stdout, stderr = run("analyze", clip.path)
    assert code == 0, stderr
    assert "c.mp4: 2.0 s, 320x240, 25.00 fps, with audio" in stdout
    assert stdout.strip().endswith("c.vigvision/analysis.json")
    assert "done in" in stderr  # progress lines (not a TTY: one per stage)
    code, stdout, _ = run("validate", tmp_path / "c.vigvision")
    assert code == 0 and "valid" in stdout
    code, stdout, _ = run("summary", tmp_path / "c.vigvision")
    assert code == 0 and "analysed 20 frames at 10 fps" in stdout
    code, stdout, _ = run("info", clip.path)
    assert code == 0 and "duration_s" in stdout and "h264" in stdout
    code, stdout, _ = run("config")
    assert code == 0 and "[ingest]" in stdout and "analysis_fps = 10.0" in stdout
    (tmp_path / "copy.toml").write_text(stdout)  # the printed config is a valid config
    code, _, stderr = run("analyze", clip.path, "--config", tmp_path / "copy.toml", "-q")
    assert code == 0, stderr


def test_summary_of_a_non_result_is_one_line(tmp_path):
    code, _, stderr = run("summary", tmp_path)
    assert code == 2 and stderr.count("\n") == 1 and "not an analysis folder" in stderr


def test_killed_analysis_leaves_nothing_half_written_and_resumes(tmp_path):
    import signal
    import time

    clip = make_video(tmp_path / "long.mp4", duration_s=20.0, fps=30, width=1280, height=720)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "vigvision.cli", "analyze", str(clip.path), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()  # the progress line printed when the decode pass starts
    assert first.startswith("[vision  ] started"), first
    time.sleep(0.2)
    assert proc.poll() is None, "analysis finished before it could be interrupted"
    proc.send_signal(signal.SIGTERM)  # `kill` in the middle of the decode pass
    _, rest = proc.communicate(timeout=60)
    stderr = first + rest
    # killed in the first stage: nothing is cached, and the message says so (it used to claim the opposite)
    assert proc.returncode == 130 and "the vision stage was stopped at" in stderr
    assert "nothing is cached" in stderr and "finished stages" not in stderr
    assert not (out / "analysis.json").exists()
    assert not list(out.rglob("*.part*")) and not list((out / "cache").glob("vision-*"))
    code, stdout, stderr = run("analyze", clip.path, "-o", out, "-q")
    assert code == 0 and (out / "analysis.json").is_file()


def test_an_interrupt_after_the_decode_pass_names_the_cached_stages(tmp_path, capsys, monkeypatch):
    import dataclasses

    from vigvision import cli, pipeline

    def cut(ctx):
        ctx.report(0.4 * ctx.info.duration_s)
        raise KeyboardInterrupt
    stages = tuple(dataclasses.replace(s, run=cut) if s.name == "voice" else s for s in pipeline.STAGES)
    monkeypatch.setattr(pipeline, "STAGES", stages)
    monkeypatch.setattr(cli.signal, "signal", lambda *a: None)
    clip = make_video(tmp_path / "c.mp4", duration_s=1.0, fps=10, bursts_s=[(0.2, 0.6)])
    assert cli.main(["analyse", str(clip.path), "-o", str(tmp_path / "out"), "-q"]) == 130
    err = capsys.readouterr().err
    assert "the voice stage was stopped at 40%" in err and "finished stages (vision, audio) are cached" in err
    assert "run the same command again to resume" in err


@pytest.mark.parametrize("argv, says", [
    (["analyze", "x.mp4", "--preste", "infant"], ["usage: vigvision analyze", "--preste (did you mean --preset?)"]),
    (["moments", "out", "--topp", "3"], ["usage: vigvision moments", "--topp (did you mean --top?)"]),
    (["analyz", "x.mp4"], ["unknown command 'analyz'; did you mean 'analyze'?"]),
])
def test_a_mistyped_option_is_reported_by_its_command_with_a_suggestion(argv, says, capsys):
    from vigvision import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and all(x in err for x in says), err


def test_analyse_is_accepted_as_the_help_spells_it(tmp_path):
    clip = make_video(tmp_path / "c.mp4", duration_s=0.5, fps=10)
    code, stdout, stderr = run("analyse", clip.path, "-o", tmp_path / "o", "-q")
    assert code == 0 and (tmp_path / "o" / "analysis.json").is_file(), stderr


def test_interrupt_inside_native_code_still_reads_as_interrupted(capsys, monkeypatch):
    # A kill that lands while a native module initialises comes back as an ImportError
    # chained to the KeyboardInterrupt: it must end like any interrupt (exit 130, one line).
    from vigvision import cli

    def import_hit_by_signal(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    monkeypatch.setattr(cli, "cmd_config", import_hit_by_signal)
    monkeypatch.setattr(cli.signal, "signal", lambda *a: None)  # leave pytest's own SIGTERM handling alone
    assert cli.main(["config"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_moments_with_new_settings_says_what_it_re_ran(tmp_path):
    clip = make_video(tmp_path / "clip.mp4", duration_s=3.0, fps=30, bursts_s=[(0.3, 1.2)])
    assert run("analyze", clip.path, "-o", tmp_path / "out", "-q")[0] == 0
    (tmp_path / "gaze.toml").write_text("[gaze]\nswitch_cost = 2.0\n")
    rc, out, err = run("moments", tmp_path / "out", "--config", tmp_path / "gaze.toml", "-q")
    assert rc == 0, err
    assert "changed: [gaze]; re-ran: persons, speakers, roles, turns, moments in " in err
    assert "reused from the cache: vision, audio, voice" in err
    (tmp_path / "turns.toml").write_text("[gaze]\nswitch_cost = 2.0\n[turns]\npause_s = 1.0\n")
    rc, out, err = run("moments", tmp_path / "out", "--config", tmp_path / "turns.toml", "-q")
    assert rc == 0 and "changed: [turns]; re-ran: turns, moments in " in err, err
    assert "reused from the cache: vision, audio, voice, persons, speakers, roles" in err
    rc, _, err = run("moments", tmp_path / "out", "--preset", "infant", "-q")
    assert rc == 0 and "changed: [moments]; re-ran: moments in " in err   # the [gaze] setting is kept
    data = json.loads((tmp_path / "out" / "analysis.json").read_text())
    assert data["config"]["gaze"]["switch_cost"] == 2.0 and data["config"]["moments"]["preset"] == "infant"


def test_persons_are_corrected_from_the_command_line_and_stay_corrected(sample_video, tmp_path):
    # Two ids for one person could not be merged, nor a person named; now `vigvision persons` does both without
    # decoding, and the corrections hold when the video is analysed again.
    out = tmp_path / "out"
    assert run("analyze", sample_video, "-o", out, "-q")[0] == 0
    rc, shown, err = run("persons", out, "--merge", "P1=P2", "--name", "P2=Amy", "--name", "P1=Mum")
    assert rc == 0, err
    assert "re-ran: persons, speakers, roles, turns, moments" in err and "reused from the cache: vision, audio, voice" in err
    assert "1 persons" in shown and 'P1 "Mum"' in shown and "merge P1=P2; name P2=Amy; name P1=Mum" in shown
    rc, shown, err = run("persons", out, "--role", "P1=child")
    assert rc == 0 and 'P1 "Mum" child (set by you' in shown, (shown, err)
    assert run("analyze", sample_video, "-o", out, "-q")[0] == 0                    # analysed again
    again = json.loads((out / "analysis.json").read_text())
    assert [(p["id"], p["name"], p["role"]) for p in again["persons"]] == [("P1", "Mum", "child")]
    rc, shown, _ = run("persons", out, "--undo")
    assert rc == 0 and "child (set by you" not in shown
    rc, shown, _ = run("persons", out, "--clear")
    assert rc == 0 and "2 persons" in shown and "corrections: none" in shown
    for args, says in ((["--merge", "P1=P9"], "no person 'P9' (there are: P1, P2)"),
                       (["--split", "P1@99:00"], "split P1@99:00: P1 is seen from"),
                       (["--role", "P1=parent"], "role P1=parent: a role is adult or child"),
                       (["--undo"], "no correction of persons to undo")):
        rc, _, err = run("persons", out, *args)
        lines = err.strip().splitlines()
        assert rc == 2 and len(lines) == 1 and says in lines[0], (args, err)
