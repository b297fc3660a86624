//! `TCP_INFO` decoded: [`TcpInfo`], read with [`sockopt::tcp_info`](super::sockopt::tcp_info).

use linux_raw_sys::net::tcp_info;

/// A TCP connection's state and counters (`struct tcp_info`, `TCP_INFO`), the subset
/// that `ss -i` shows, with the kernel's names minus `tcpi_`.
///
/// Fields the running kernel does not fill (it copies as much as it knows) are zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpInfo {
    /// `tcpi_state`: the TCP state (`TCP_ESTABLISHED` = 1, `TCP_LISTEN` = 10…).
    pub state: u8,
    /// `tcpi_ca_state`: the congestion-avoidance state.
    pub ca_state: u8,
    /// `tcpi_retransmits`: retransmissions of the current segment.
    pub retransmits: u8,
    /// `tcpi_probes`: unanswered zero-window or keep-alive probes.
    pub probes: u8,
    /// `tcpi_backoff`: the retransmission back-off exponent.
    pub backoff: u8,
    /// `tcpi_options`: options negotiated (`TCPI_OPT_*`: timestamps, SACK, window scaling, ECN…).
    pub options: u8,
    /// `tcpi_rto`: the retransmission timeout, microseconds.
    pub rto: u32,
    /// `tcpi_ato`: the delayed-ACK timeout, microseconds.
    pub ato: u32,
    /// `tcpi_snd_mss`: the sending maximum segment size.
    pub snd_mss: u32,
    /// `tcpi_rcv_mss`: the receiving maximum segment size (estimated).
    pub rcv_mss: u32,
    /// `tcpi_unacked`: segments sent and not yet acknowledged.
    pub unacked: u32,
    /// `tcpi_sacked`: segments selectively acknowledged.
    pub sacked: u32,
    /// `tcpi_lost`: segments deemed lost.
    pub lost: u32,
    /// `tcpi_retrans`: segments retransmitted and in flight.
    pub retrans: u32,
    /// `tcpi_last_data_sent`: milliseconds since data was last sent.
    pub last_data_sent: u32,
    /// `tcpi_last_ack_recv`: milliseconds since an ACK was last received.
    pub last_ack_recv: u32,
    /// `tcpi_last_data_recv`: milliseconds since data was last received.
    pub last_data_recv: u32,
    /// `tcpi_pmtu`: the path MTU.
    pub pmtu: u32,
    /// `tcpi_rcv_ssthresh`: the receive slow-start threshold.
    pub rcv_ssthresh: u32,
    /// `tcpi_rtt`: the smoothed round-trip time, microseconds.
    pub rtt: u32,
    /// `tcpi_rttvar`: the round-trip time's variation, microseconds.
    pub rttvar: u32,
    /// `tcpi_snd_ssthresh`: the send slow-start threshold.
    pub snd_ssthresh: u32,
    /// `tcpi_snd_cwnd`: the congestion window, segments.
    pub snd_cwnd: u32,
    /// `tcpi_advmss`: the advertised maximum segment size.
    pub advmss: u32,
    /// `tcpi_reordering`: the reordering metric.
    pub reordering: u32,
    /// `tcpi_rcv_rtt`: the receiver's round-trip estimate, microseconds.
    pub rcv_rtt: u32,
    /// `tcpi_rcv_space`: the receive-buffer auto-tuning space.
    pub rcv_space: u32,
    /// `tcpi_total_retrans`: retransmissions over the connection's life.
    pub total_retrans: u32,
    /// `tcpi_pacing_rate`: the pacing rate, bytes per second.
    pub pacing_rate: u64,
    /// `tcpi_bytes_acked`: bytes the peer acknowledged (RFC 4898 `tcpEStatsAppHCThruOctetsAcked`).
    pub bytes_acked: u64,
    /// `tcpi_bytes_received`: bytes received (`tcpEStatsAppHCThruOctetsReceived`).
    pub bytes_received: u64,
    /// `tcpi_segs_out`: segments sent.
    pub segs_out: u32,
    /// `tcpi_segs_in`: segments received.
    pub segs_in: u32,
    /// `tcpi_notsent_bytes`: bytes queued and not yet sent.
    pub notsent_bytes: u32,
    /// `tcpi_min_rtt`: the smallest round-trip time seen, microseconds.
    pub min_rtt: u32,
    /// `tcpi_data_segs_in`: segments received that carried data.
    pub data_segs_in: u32,
    /// `tcpi_data_segs_out`: segments sent that carried data.
    pub data_segs_out: u32,
    /// `tcpi_delivery_rate`: the latest delivery rate, bytes per second.
    pub delivery_rate: u64,
    /// `tcpi_bytes_sent`: bytes sent, retransmissions included.
    pub bytes_sent: u64,
    /// `tcpi_bytes_retrans`: bytes retransmitted.
    pub bytes_retrans: u64,
    /// `tcpi_snd_wnd`: the peer's advertised receive window, bytes.
    pub snd_wnd: u32,
    /// `tcpi_rcv_wnd`: the local advertised receive window, bytes.
    pub rcv_wnd: u32,
    /// `tcpi_snd_wscale`: the window scale the peer applies to our window.
    pub snd_wscale: u8,
    /// `tcpi_rcv_wscale`: the window scale we apply to the peer's window.
    pub rcv_wscale: u8,
}

impl TcpInfo {
    /// The fields of the kernel's struct.
    pub(crate) fn from_kernel(k: &tcp_info) -> TcpInfo {
        TcpInfo {
            state: k.tcpi_state,
            ca_state: k.tcpi_ca_state,
            retransmits: k.tcpi_retransmits,
            probes: k.tcpi_probes,
            backoff: k.tcpi_backoff,
            options: k.tcpi_options,
            rto: k.tcpi_rto,
            ato: k.tcpi_ato,
            snd_mss: k.tcpi_snd_mss,
            rcv_mss: k.tcpi_rcv_mss,
            unacked: k.tcpi_unacked,
            sacked: k.tcpi_sacked,
            lost: k.tcpi_lost,
            retrans: k.tcpi_retrans,
            last_data_sent: k.tcpi_last_data_sent,
            last_ack_recv: k.tcpi_last_ack_recv,
            last_data_recv: k.tcpi_last_data_recv,
            pmtu: k.tcpi_pmtu,
            rcv_ssthresh: k.tcpi_rcv_ssthresh,
            rtt: k.tcpi_rtt,
            rttvar: k.tcpi_rttvar,
            snd_ssthresh: k.tcpi_snd_ssthresh,
            snd_cwnd: k.tcpi_snd_cwnd,
            advmss: k.tcpi_advmss,
            reordering: k.tcpi_reordering,
            rcv_rtt: k.tcpi_rcv_rtt,
            rcv_space: k.tcpi_rcv_space,
            total_retrans: k.tcpi_total_retrans,
            pacing_rate: k.tcpi_pacing_rate,
            bytes_acked: k.tcpi_bytes_acked,
            bytes_received: k.tcpi_bytes_received,
            segs_out: k.tcpi_segs_out,
            segs_in: k.tcpi_segs_in,
            notsent_bytes: k.tcpi_notsent_bytes,
            min_rtt: k.tcpi_min_rtt,
            data_segs_in: k.tcpi_data_segs_in,
            data_segs_out: k.tcpi_data_segs_out,
            delivery_rate: k.tcpi_delivery_rate,
            bytes_sent: k.tcpi_bytes_sent,
            bytes_retrans: k.tcpi_bytes_retrans,
            snd_wnd: k.tcpi_snd_wnd,
            rcv_wnd: k.tcpi_rcv_wnd,
            snd_wscale: k.tcpi_snd_wscale(),
            rcv_wscale: k.tcpi_rcv_wscale(),
        }
    }
}
