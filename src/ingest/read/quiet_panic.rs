//! Readers that panic on a damaged file, caught without a word on the
//! terminal. calamine panics on some damaged workbooks (an xlsb record
//! shorter than it claims, for one); ingest catches the panic and rejects the
//! file as `unreadable-file`, which tells the clerk everything they can act
//! on. Rust's panic message and backtrace would only alarm them: the binary
//! installs [`install_hook`], and the caught panic's text goes to the run
//! record instead.

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    /// Set while this thread runs a reader under [`catch`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// The message of the panic [`catch`] is about to catch.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs a panic hook that keeps quiet about panics [`catch`] will catch
/// and passes every other panic to the hook before it. Call once, from a
/// binary's `main`; a library user (a test, a fuzz target) that does not
/// still gets every panic caught, only printed as well.
pub fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                CAUGHT.with(|c| *c.borrow_mut() = Some(info.to_string()));
            } else {
                before(info);
            }
        }));
    });
}

/// Runs `read`; a panic inside it becomes `Err` with the panic's message and
/// place (e.g. `panicked at …/calamine-0.38.0/src/xlsb/mod.rs:312:…`).
pub fn catch<T>(read: impl FnOnce() -> T) -> Result<T, String> {
    let was = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(read));
    QUIET.with(|q| q.set(was));
    result.map_err(|payload| {
        CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_else(|| {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned());
            format!("panicked: {}", text.unwrap_or_else(|| "?".into()))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_the_thread_goes_on() {
        install_hook();
        let caught = catch(|| -> u8 { panic!("record too short") });
        let message = caught.unwrap_err();
        assert!(message.contains("record too short"), "{message}");
        assert!(message.contains("quiet_panic.rs"), "the place: {message}");
        assert_eq!(catch(|| 7), Ok(7));
    }
}
