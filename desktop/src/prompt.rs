//! The terminal: the licence prompt and the typed commands read from one reader for the
//! whole run. Two buffered readers over stdin would each take whatever had arrived, so
//! lines typed (or piped) ahead of the prompt would vanish with the first.

use lens_core::signal::Eula;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, Lines, Stdin};

pub struct Terminal<R> {
    lines: Lines<BufReader<R>>,
}

impl Terminal<Stdin> {
    pub fn stdin() -> Terminal<Stdin> {
        Terminal::new(tokio::io::stdin())
    }
}

impl<R: AsyncRead + Unpin> Terminal<R> {
    pub fn new(input: R) -> Terminal<R> {
        Terminal {
            lines: BufReader::new(input).lines(),
        }
    }

    /// The next line without its line ending; `None` at the end of input (or on a read
    /// error, which ends input just the same). Cancel-safe: a line is never half taken.
    pub async fn next_line(&mut self) -> Option<String> {
        self.lines.next_line().await.ok().flatten()
    }

    /// Shows the licence agreement and reads y/N. No terminal (end of input) means no.
    pub async fn ask_eula(&mut self, eula: &Eula, technician_name: &str) -> bool {
        println!(
            "{technician_name} invites you to a Lens session. Licence agreement (version {}):",
            eula.version
        );
        println!("{}", eula.text);
        println!("Accept? [y/N]");
        match self.next_line().await {
            Some(line) => matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_typed_ahead_of_the_prompt_reach_the_commands() {
        let eula = Eula {
            version: "v1".into(),
            text: "You agree.".into(),
        };
        let mut terminal = Terminal::new(&b"y\nmute\nleave\n"[..]);
        assert!(terminal.ask_eula(&eula, "Tess").await);
        assert_eq!(terminal.next_line().await.as_deref(), Some("mute"));
        assert_eq!(terminal.next_line().await.as_deref(), Some("leave"));
        assert_eq!(terminal.next_line().await, None);
    }

    #[tokio::test]
    async fn no_answer_is_no() {
        let eula = Eula {
            version: "v1".into(),
            text: "You agree.".into(),
        };
        assert!(!Terminal::new(&b""[..]).ask_eula(&eula, "Tess").await);
        assert!(!Terminal::new(&b"maybe\n"[..]).ask_eula(&eula, "Tess").await);
    }
}
