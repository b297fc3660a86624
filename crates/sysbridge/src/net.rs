//! Sockets: unix, TCP/UDP, raw and packet sockets, addresses, options, messages.
