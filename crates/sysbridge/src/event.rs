//! Readiness and event descriptors: epoll, poll, eventfd, timerfd, inotify.
