//! Asking the customer on the terminal.

use lens_core::signal::Eula;
use tokio::io::{AsyncBufReadExt, BufReader};

/// Shows the licence agreement and reads y/N. No terminal (end of input) means no.
pub async fn ask_eula(eula: &Eula, technician_name: &str) -> bool {
    println!(
        "{technician_name} invites you to a Lens session. Licence agreement (version {}):",
        eula.version
    );
    println!("{}", eula.text);
    println!("Accept? [y/N]");
    let mut line = String::new();
    let mut stdin = BufReader::new(tokio::io::stdin());
    match stdin.read_line(&mut line).await {
        Ok(_) => matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"),
        Err(_) => false,
    }
}
