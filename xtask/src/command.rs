//! Running external programs: echo the command line, run it, and turn a failure into an error
//! that names the command.

use std::process::{Child, Command, Stdio};

/// Runs `cmd` with inherited stdio; a non-zero exit is an error.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    println!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(cmd)))
    }
}

/// Starts `cmd` with inherited stdio and returns at once.
pub fn spawn(cmd: &mut Command) -> Result<Child, String> {
    println!("$ {}", describe(cmd));
    cmd.spawn()
        .map_err(|e| format!("could not start `{}`: {e}", describe(cmd)))
}

/// Runs `cmd` and returns its stdout; a non-zero exit is an error carrying its output.
pub fn output(cmd: &mut Command) -> Result<String, String> {
    println!("$ {}", describe(cmd));
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not start `{}`: {e}", describe(cmd)))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "`{}` failed ({}):\n{stdout}{stderr}",
            describe(cmd),
            output.status
        ))
    }
}

/// Runs `cmd` quietly and returns its trimmed stdout, or `None` if it cannot start or fails.
/// For probes such as `tool --version`.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let output = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The command line as a person would type it (program and arguments, no environment).
fn describe(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        line.push(' ');
        if arg.is_empty() || arg.contains([' ', '\'', '"', '*']) {
            line.push('\'');
            line.push_str(&arg.replace('\'', r"'\''"));
            line.push('\'');
        } else {
            line.push_str(&arg);
        }
    }
    line
}
