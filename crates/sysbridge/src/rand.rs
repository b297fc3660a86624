//! Randomness: getrandom.
