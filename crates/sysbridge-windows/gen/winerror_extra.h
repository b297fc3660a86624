/* Win32 error codes newer than mingw-w64's winerror.h (10.0.0, Debian bookworm),
 * in the same form; gen/tables.rs reads this file after that header.
 * Add a line only for a code the crate's errno mapping needs. */
#define ERROR_DIRECTORY_NOT_SUPPORTED __MSABI_LONG(336)
