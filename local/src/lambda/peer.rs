//! Which process is on the other end of a loopback TCP connection (Linux).
//!
//! The Runtime API must be TCP (the runtime client connects to
//! `AWS_LAMBDA_RUNTIME_API`, a host:port), so `SO_PEERCRED` is not
//! available. But on one machine both ends of a loopback connection are
//! sockets the kernel lists in `/proc/net/tcp`: the client's end is the row
//! whose local address is the peer address we accepted from and whose remote
//! address is our listener, and its inode is the socket file a process
//! holds open as `/proc/<pid>/fd/N -> socket:[inode]`. So "this connection
//! comes from process P" is checked by finding that inode among P's open
//! descriptors, with no trust in anything the client says.

use std::net::{IpAddr, SocketAddr};

/// `/proc/net/tcp`'s spelling of an IPv4 address and port: the address as
/// the kernel's in-memory u32 (network order bytes read natively), then the
/// port, both in upper-case hex.
fn proc_net_key(addr: SocketAddr) -> Option<String> {
    let IpAddr::V4(ip) = addr.ip() else { return None };
    Some(format!("{:08X}:{:04X}", u32::from_ne_bytes(ip.octets()), addr.port()))
}

/// The inode of the socket whose local address is `client` and remote
/// address is `server`, from the text of `/proc/net/tcp`.
fn client_socket_inode(table: &str, client: SocketAddr, server: SocketAddr) -> Option<u64> {
    let (client, server) = (proc_net_key(client)?, proc_net_key(server)?);
    // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(1) == Some(&client.as_str()) && fields.get(2) == Some(&server.as_str()))
            .then(|| fields.get(9)?.parse().ok())
            .flatten()
            .filter(|inode| *inode != 0)
    })
}

/// Whether process `pid` holds socket `inode` open.
fn holds_socket(pid: i32, inode: u64) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    let wanted = format!("socket:[{inode}]");
    fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target.as_os_str() == wanted.as_str()))
}

/// Whether the connection accepted from `client` on our listener `server`
/// was made by process `pid` (not by any other process, of any user).
/// `false` when it cannot be told: refusing is the safe answer.
pub fn connected_by(pid: i32, client: SocketAddr, server: SocketAddr) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else { return false };
    client_socket_inode(&table, client, server).is_some_and(|inode| holds_socket(pid, inode))
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};

    use super::*;

    #[test]
    fn the_client_socket_row_is_found_by_both_addresses() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   \
            0: 0100007F:A3C2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 20 4 30 10 -1\n   \
            1: 0100007F:1F90 0100007F:A3C2 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1\n";
        let client: SocketAddr = "127.0.0.1:41922".parse().unwrap();
        let server: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        if cfg!(target_endian = "little") {
            assert_eq!(client_socket_inode(table, client, server), Some(4242));
            assert_eq!(client_socket_inode(table, server, client), Some(4343));
        }
        assert_eq!(client_socket_inode(table, "127.0.0.1:1".parse().unwrap(), server), None);
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
    }
}
