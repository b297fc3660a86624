//! Dir: a directory handle that opens, walks and narrows, and that no path can escape.
