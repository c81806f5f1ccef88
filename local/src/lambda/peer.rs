//! Which process is on the other end of a loopback TCP connection (Linux).
//!
//! The Runtime API must be TCP (the runtime client connects to
//! `AWS_LAMBDA_RUNTIME_API`, a host:port), so `SO_PEERCRED` is not
//! available. But on one machine both ends of a loopback connection are
//! sockets the kernel knows: the client's end is the socket whose local
//! address is the peer address we accepted from and whose remote address is
//! our listener, and its inode is the socket file a process holds open as
//! `/proc/<pid>/fd/N -> socket:[inode]`. So "this connection comes from
//! process P" is checked by finding that inode among P's open descriptors,
//! with no trust in anything the client says.
//!
//! The inode comes from the kernel's socket diagnostics (netlink
//! `SOCK_DIAG_BY_FAMILY`, what `ss` uses), asked for that one socket by its
//! addresses: a constant cost. `/proc/net/tcp` lists every TCP socket of the
//! machine, including each closed connection for a minute (`TIME_WAIT`), so
//! reading it per connection costs more the more connections anyone makes:
//! a client looping connect + close grew it until the checks took the
//! runner's whole time. It is only read where netlink is not available.
//! Either way the work blocks, so callers run it off the async thread.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;
use std::time::Duration;

/// Whether the connection accepted from `client` on our listener `server`
/// was made by process `pid` (not by any other process, of any user).
/// `false` when it cannot be told: refusing is the safe answer.
pub fn connected_by(pid: i32, client: SocketAddr, server: SocketAddr) -> bool {
    let (SocketAddr::V4(client), SocketAddr::V4(server)) = (client, server) else { return false };
    let inode = match diag::answers() {
        true => diag::socket_inode(client, server).unwrap_or_else(|_| proc_net_tcp_inode(client, server)),
        false => proc_net_tcp_inode(client, server),
    };
    inode.is_some_and(|inode| holds_socket(pid, inode))
}

/// Whether process `pid` holds socket `inode` open: a look at its own
/// descriptors only (a bootstrap has a handful).
fn holds_socket(pid: i32, inode: u64) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    let wanted = format!("socket:[{inode}]");
    fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target.as_os_str() == wanted.as_str()))
}

/// The socket inode from `/proc/net/tcp`, read a line at a time: the
/// fallback where the kernel's socket diagnostics are not available.
fn proc_net_tcp_inode(client: SocketAddrV4, server: SocketAddrV4) -> Option<u64> {
    let table = std::fs::File::open("/proc/net/tcp").ok()?;
    let mut lines = BufReader::new(table).lines();
    let _header = lines.next();
    let (client, server) = (proc_net_key(client), proc_net_key(server));
    lines.map_while(Result::ok).find_map(|line| row_inode(&line, &client, &server))
}

/// `/proc/net/tcp`'s spelling of an IPv4 address and port: the address as
/// the kernel's in-memory u32 (network order bytes read natively), then the
/// port, both in upper-case hex.
fn proc_net_key(addr: SocketAddrV4) -> String {
    format!("{:08X}:{:04X}", u32::from_ne_bytes(addr.ip().octets()), addr.port())
}

/// The inode of one `/proc/net/tcp` row if its local address is `client`
/// and its remote address `server`.
fn row_inode(line: &str, client: &str, server: &str) -> Option<u64> {
    // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
    let mut fields = line.split_whitespace().skip(1);
    if fields.next()? != client || fields.next()? != server {
        return None;
    }
    fields.nth(6)?.parse().ok().filter(|inode| *inode != 0)
}

/// The kernel's socket diagnostics over netlink (`linux/inet_diag.h`), for
/// one socket named by its addresses.
mod diag {
    use super::*;

    /// `SOCK_DIAG_BY_FAMILY`, the request type of `linux/sock_diag.h`.
    const SOCK_DIAG_BY_FAMILY: u16 = 20;
    const HEADER_BYTES: usize = 16;
    /// `struct inet_diag_req_v2`: family, protocol, ext, pad, states, then
    /// `struct inet_diag_sockid` (ports, addresses, interface, cookie).
    const REQUEST_BYTES: usize = 56;
    /// `struct inet_diag_msg`: as far as `idiag_inode`.
    const MESSAGE_BYTES: usize = 72;
    /// A lookup the kernel does not answer in this long is not coming.
    const ANSWER_TIMEOUT: Duration = Duration::from_secs(1);

    /// Whether the kernel answers TCP socket lookups (it says "no such
    /// socket" both for a socket that is gone and when its TCP diagnostics
    /// are missing): asked once about a connection of our own.
    pub fn answers() -> bool {
        static ANSWERS: OnceLock<bool> = OnceLock::new();
        *ANSWERS.get_or_init(|| {
            let own_connection = || -> std::io::Result<Option<u64>> {
                let listener = TcpListener::bind("127.0.0.1:0")?;
                let client = TcpStream::connect(listener.local_addr()?)?;
                let (SocketAddr::V4(local), SocketAddr::V4(remote)) = (client.local_addr()?, client.peer_addr()?)
                else {
                    return Ok(None);
                };
                socket_inode(local, remote)
            };
            matches!(own_connection(), Ok(Some(_)))
        })
    }

    /// The inode of the TCP socket whose local address is `local` and remote
    /// address `remote`: `Ok(None)` when there is none (or it is already
    /// closed, inode 0), `Err` when netlink cannot be asked.
    pub fn socket_inode(local: SocketAddrV4, remote: SocketAddrV4) -> std::io::Result<Option<u64>> {
        let socket = open()?;
        let request = request(local, remote);
        // SAFETY: `request` is a live buffer of `request.len()` bytes and
        // `kernel` a valid sockaddr_nl of the size given.
        let sent = unsafe {
            let mut kernel: libc::sockaddr_nl = std::mem::zeroed();
            kernel.nl_family = libc::AF_NETLINK as libc::sa_family_t;
            libc::sendto(
                socket.as_raw_fd(),
                request.as_ptr().cast(),
                request.len(),
                0,
                (&kernel as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if sent != request.len() as isize {
            return Err(std::io::Error::last_os_error());
        }
        let mut answer = [0u8; 1024];
        // SAFETY: `answer` is a writable buffer of `answer.len()` bytes.
        let received = unsafe { libc::recv(socket.as_raw_fd(), answer.as_mut_ptr().cast(), answer.len(), 0) };
        let Ok(received) = usize::try_from(received) else { return Err(std::io::Error::last_os_error()) };
        parse_answer(&answer[..received], local, remote)
    }

    fn open() -> std::io::Result<OwnedFd> {
        // SAFETY: socket(2) with constant arguments; the descriptor it returns
        // is owned from here on.
        let fd =
            unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, libc::NETLINK_SOCK_DIAG) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened and is owned by nobody else.
        let socket = unsafe { OwnedFd::from_raw_fd(fd) };
        let timeout = libc::timeval { tv_sec: ANSWER_TIMEOUT.as_secs() as libc::time_t, tv_usec: 0 };
        // SAFETY: a timeval of the size given, on our own socket.
        let set = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&timeout as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        if set != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(socket)
    }

    /// `struct inet_diag_sockid`'s first 36 bytes: ports (network order),
    /// then the addresses as four 32-bit words each (IPv4 in the first).
    fn socket_id(local: SocketAddrV4, remote: SocketAddrV4) -> [u8; 36] {
        let mut id = [0u8; 36];
        id[0..2].copy_from_slice(&local.port().to_be_bytes());
        id[2..4].copy_from_slice(&remote.port().to_be_bytes());
        id[4..8].copy_from_slice(&local.ip().octets());
        id[20..24].copy_from_slice(&remote.ip().octets());
        id
    }

    /// One netlink message: "the TCP socket with these addresses, in any
    /// state", without a dump (`NLM_F_DUMP`), so the kernel looks up just it.
    pub(super) fn request(local: SocketAddrV4, remote: SocketAddrV4) -> Vec<u8> {
        let mut message = Vec::with_capacity(HEADER_BYTES + REQUEST_BYTES);
        message.extend_from_slice(&((HEADER_BYTES + REQUEST_BYTES) as u32).to_ne_bytes());
        message.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
        message.extend_from_slice(&(libc::NLM_F_REQUEST as u16).to_ne_bytes());
        message.extend_from_slice(&1u32.to_ne_bytes()); // sequence number
        message.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel's
        message.extend_from_slice(&[libc::AF_INET as u8, libc::IPPROTO_TCP as u8, 0, 0]);
        message.extend_from_slice(&u32::MAX.to_ne_bytes()); // every TCP state
        message.extend_from_slice(&socket_id(local, remote));
        message.extend_from_slice(&0u32.to_ne_bytes()); // any interface
        message.extend_from_slice(&[0xFF; 8]); // INET_DIAG_NOCOOKIE
        message
    }

    /// The inode in the kernel's answer, if it is about the socket asked
    /// for; a netlink error (`ENOENT`: no such socket) is `Ok(None)`.
    pub(super) fn parse_answer(
        answer: &[u8],
        local: SocketAddrV4,
        remote: SocketAddrV4,
    ) -> std::io::Result<Option<u64>> {
        let word = |at: usize| answer.get(at..at + 4).map(|b| u32::from_ne_bytes(b.try_into().expect("4 bytes")));
        let kind = answer.get(4..6).map(|b| u16::from_ne_bytes(b.try_into().expect("2 bytes")));
        if kind == Some(libc::NLMSG_ERROR as u16) {
            return Ok(None);
        }
        let malformed = || std::io::Error::new(std::io::ErrorKind::InvalidData, "a short socket diagnostics answer");
        if kind != Some(SOCK_DIAG_BY_FAMILY) || answer.len() < HEADER_BYTES + MESSAGE_BYTES {
            return Err(malformed());
        }
        let message = &answer[HEADER_BYTES..];
        // The kernel's lookup falls back to listeners: only the very socket
        // asked for counts.
        if message[4..40] != socket_id(local, remote) {
            return Ok(None);
        }
        let inode = word(HEADER_BYTES + 68).ok_or_else(malformed)?;
        Ok(Some(u64::from(inode)).filter(|inode| *inode != 0))
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn loopback(port: u16) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)
    }

    fn v4(addr: SocketAddr) -> SocketAddrV4 {
        match addr {
            SocketAddr::V4(addr) => addr,
            SocketAddr::V6(_) => panic!("loopback IPv4 only"),
        }
    }

    #[test]
    fn the_client_socket_row_is_found_by_both_addresses() {
        let (client, server) = (loopback(41922), loopback(8080));
        let row = |local: SocketAddrV4, remote: SocketAddrV4, inode: u64| {
            format!(
                "   0: {} {} 01 00000000:00000000 00:00000000 00000000  1000        0 {inode} 1 0000000000000000 20 4 30 10 -1",
                proc_net_key(local),
                proc_net_key(remote)
            )
        };
        let (c, s) = (proc_net_key(client), proc_net_key(server));
        if cfg!(target_endian = "little") {
            assert_eq!(c, "0100007F:A3C2");
        }
        assert_eq!(row_inode(&row(client, server, 4242), &c, &s), Some(4242));
        assert_eq!(row_inode(&row(server, client, 4343), &c, &s), None, "the server's end");
        assert_eq!(row_inode(&row(client, server, 0), &c, &s), None, "a closed socket has no inode");
        assert_eq!(row_inode("garbage", &c, &s), None);
    }

    #[test]
    fn the_kernel_is_asked_for_one_socket_by_its_addresses() {
        let request = diag::request(loopback(41922), loopback(8080));
        assert_eq!(request.len(), 72);
        assert_eq!(&request[16..18], &[libc::AF_INET as u8, libc::IPPROTO_TCP as u8]);
        assert_eq!(&request[24..28], &[0xA3, 0xC2, 0x1F, 0x90], "ports in network order");
        assert_eq!(&request[28..32], &[127, 0, 0, 1]);
        assert_eq!(&request[44..48], &[127, 0, 0, 1]);
        // An answer about another socket (a listener) names nothing.
        let mut answer = vec![0u8; 88];
        answer[4..6].copy_from_slice(&20u16.to_ne_bytes());
        answer[84..88].copy_from_slice(&4242u32.to_ne_bytes());
        assert_eq!(diag::parse_answer(&answer, loopback(41922), loopback(8080)).unwrap(), None);
        answer[20..56].copy_from_slice(&request[24..60]);
        assert_eq!(diag::parse_answer(&answer, loopback(41922), loopback(8080)).unwrap(), Some(4242));
        assert!(diag::parse_answer(&answer[..40], loopback(41922), loopback(8080)).is_err());
    }

    #[test]
    fn a_connection_is_ours_and_not_another_process() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let _client = TcpStream::connect(server).unwrap();
        let (_accepted, client) = listener.accept().unwrap();
        let me = std::process::id() as i32;
        assert!(connected_by(me, client, server), "our own connection");
        // PID 1 (init) never holds our test's socket.
        assert!(!connected_by(1, client, server));
        assert!(!connected_by(me, "127.0.0.1:1".parse().unwrap(), server), "no such connection");
        // Both ways of finding the inode agree.
        assert!(diag::answers(), "this kernel's socket diagnostics answer");
        let inode = diag::socket_inode(v4(client), v4(server)).unwrap();
        assert!(inode.is_some());
        assert_eq!(inode, proc_net_tcp_inode(v4(client), v4(server)));
    }
}
