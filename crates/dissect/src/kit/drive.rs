//! The step loop every session's `on_data` runs: parse one thing at an offset, advance,
//! repeat until the session needs more bytes, with a guard against spinning.

/// What one parsing step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Needs more bytes than are offered: stop here.
    Wait,
    /// Consumed this many bytes (0: only changed state; a step must not do that forever).
    Advance(usize),
}

/// Zero-byte steps in a row after which [`drive`] stops: a state machine that changes
/// state without consuming settles within a few steps, more would be a bug, and stopping
/// (the bytes are offered again with the next packet) beats spinning forever.
pub const MAX_IDLE_STEPS: usize = 8;

/// Runs `step(offset)` over `len` offered bytes from offset 0 until it waits or every byte
/// is used, and returns how many bytes were consumed (an `Advance` past the end counts as
/// the rest). More than [`MAX_IDLE_STEPS`] zero-byte steps in a row stop the loop.
pub fn drive(len: usize, mut step: impl FnMut(usize) -> Step) -> usize {
    let mut used = 0;
    let mut idle = 0;
    while used < len {
        match step(used) {
            Step::Wait => break,
            Step::Advance(n) => {
                used += n.min(len - used);
                idle = if n == 0 { idle + 1 } else { 0 };
                if idle > MAX_IDLE_STEPS {
                    break;
                }
            }
        }
    }
    used
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_to_the_end_or_the_first_wait() {
        assert_eq!(
            drive(10, |_| Step::Advance(3)),
            10,
            "the last step is clipped"
        );
        let mut seen = Vec::new();
        let used = drive(10, |at| {
            seen.push(at);
            if at < 6 { Step::Advance(3) } else { Step::Wait }
        });
        assert_eq!((used, seen), (6, vec![0, 3, 6]));
        assert_eq!(drive(0, |_| Step::Advance(1)), 0);
    }

    #[test]
    fn zero_byte_steps_stop_after_the_guard() {
        let mut calls = 0;
        let used = drive(5, |_| {
            calls += 1;
            Step::Advance(0)
        });
        assert_eq!((used, calls), (0, MAX_IDLE_STEPS + 1));
        // State changes between real progress are fine.
        let mut k = 0;
        let used = drive(4, |_| {
            k += 1;
            Step::Advance(usize::from(k % 2 == 0))
        });
        assert_eq!(used, 4);
    }
}
