//! The seed program "eventfd/timerfd tick loop": one epoll loop waits on a periodic
//! timerfd (every 100 ms) and on an eventfd that another thread signals; each timer
//! read reports how many periods passed, each eventfd read how many signals came.
//! It stops after ten ticks.
//!
//! Run: `cargo run --example ticks`

use std::process::ExitCode;
use std::sync::Arc;

use sysbridge::Errno;
use sysbridge::event::*;
use sysbridge::time::{ClockId, Timespec, clock_gettime};

const TIMER: u64 = 1;
const EVENT: u64 = 2;

fn run() -> Result<(), Errno> {
    let ep = epoll_create1(EpollCreateFlags::CLOEXEC)?;
    let timer = timerfd_create(ClockId::Monotonic, TfdFlags::CLOEXEC | TfdFlags::NONBLOCK)?;
    let period = Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    };
    timerfd_settime(
        &timer,
        TimerFlags::empty(),
        &Itimerspec {
            interval: period,
            value: period,
        },
    )?;
    let wake = Arc::new(eventfd(0, EfdFlags::CLOEXEC | EfdFlags::NONBLOCK)?);
    epoll_add(&ep, &timer, EpollEvent::new(EpollFlags::IN, TIMER))?;
    epoll_add(&ep, &*wake, EpollEvent::new(EpollFlags::IN, EVENT))?;

    let signaller = Arc::clone(&wake);
    std::thread::spawn(move || {
        for _ in 0..3 {
            std::thread::sleep(std::time::Duration::from_millis(250));
            eventfd_write(&*signaller, 1).ok();
        }
    });

    let start = clock_gettime(ClockId::Monotonic);
    let mut ticks = 0;
    let mut events = [EpollEvent::default(); 4];
    while ticks < 10 {
        let n = match epoll_wait(&ep, &mut events, -1) {
            Err(Errno::EINTR) => continue,
            other => other?,
        };
        let now = clock_gettime(ClockId::Monotonic);
        let ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1_000_000;
        for event in &events[..n] {
            match event.data() {
                TIMER => {
                    let expired = timerfd_read(&timer)?;
                    ticks += expired;
                    println!("{ms:5} ms: tick x{expired} (total {ticks})");
                }
                _ => println!("{ms:5} ms: eventfd counter {}", eventfd_read(&*wake)?),
            }
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ticks: {e}");
            ExitCode::FAILURE
        }
    }
}
