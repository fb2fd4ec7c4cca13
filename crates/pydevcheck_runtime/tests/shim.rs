//! The shim must load on every Python from 3.8 on: its syntax is checked against the 3.8 grammar by the
//! interpreter at hand (`$PYDEVCHECK_PYTHON`, else `python3`), and it must stay silent on a clean program.

use std::io::Write;
use std::process::{Command, Stdio};

fn python() -> String {
    std::env::var("PYDEVCHECK_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

#[test]
fn shim_is_python_3_8_syntax() {
    let mut child = Command::new(python())
        .args(["-c", "import ast, sys; ast.parse(sys.stdin.read(), 'shim.py', feature_version=(3, 8))"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(pydevcheck_runtime::SHIM_SOURCE.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// `python -X dev ARGS` in `dir`, with the shim installed there as `sitecustomize` and `dir` as both the
/// event directory and the analysed root.
fn under_shim(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::fs::write(dir.join("sitecustomize.py"), pydevcheck_runtime::SHIM_SOURCE).unwrap();
    Command::new(python())
        .args(["-X", "dev"])
        .args(args)
        .current_dir(dir)
        .env("PYTHONPATH", dir)
        .env("PYDEVCHECK_EVENT_DIR", dir)
        .env("PYDEVCHECK_ROOTS", dir)
        .output()
        .unwrap()
}

#[test]
fn shim_leaves_a_clean_program_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let program = "import socket, subprocess, tempfile, asyncio\n\
                   with open(__file__ if '__file__' in dir() else 'x', 'w') as f: f.write('x')\n\
                   print('ok')\n";
    let output = under_shim(dir.path(), &["-c", program]);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn wrapped_builtins_do_not_bind_as_methods() {
    // Before 3.11 pathlib stores `os.open` on a class (`_NormalAccessor.open = os.open`) and calls it
    // through an instance: a wrapper that bound as a method broke every `Path.open` under the shim.
    let dir = tempfile::tempdir().unwrap();
    let program = "import os, pathlib\n\
                   class Holder:\n    raw_open = os.open\n    raw_close = os.close\n    text_open = open\n\
                   holder = Holder()\n\
                   holder.raw_close(holder.raw_open(__file__, os.O_RDONLY))\n\
                   holder.text_open(__file__).close()\n\
                   print(pathlib.Path(__file__).read_text().splitlines()[0])\n";
    std::fs::write(dir.path().join("program.py"), program).unwrap();
    let output = under_shim(dir.path(), &["program.py"]);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "import os, pathlib\n");
}
