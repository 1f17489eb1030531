fn main() {
    eprintln!("xtask: not wired yet");
    std::process::exit(2);
}
