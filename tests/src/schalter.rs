//! A TCP relay the test can switch off and on: a stand-in for a server that goes away and
//! comes back at the same address, while the real server behind it keeps what it stored
//! (moto keeps its objects only in memory, so stopping the process itself would lose them).
//!
//! Off means what a stopped server means to its clients: new connections are refused and
//! every open connection is cut.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;

pub struct Schalter {
    /// Where clients connect.
    pub port: u16,
    ziel: SocketAddr,
    an: Arc<Mutex<Option<CancellationToken>>>,
}

impl Schalter {
    /// A relay on a free loopback port to `127.0.0.1:ziel_port`, switched on.
    pub async fn start(ziel_port: u16) -> Schalter {
        let s = Schalter {
            port: crate::free_port(),
            ziel: SocketAddr::from(([127, 0, 0, 1], ziel_port)),
            an: Arc::new(Mutex::new(None)),
        };
        s.an().await;
        s
    }

    /// Accepts connections again (at the same port).
    pub async fn an(&self) {
        let mut an = self.an.lock().unwrap();
        if an.is_some() {
            return;
        }
        // The listener switched off a moment ago may not be closed yet.
        let mut versuche = 0;
        let listener = loop {
            let socket = TcpSocket::new_v4().expect("socket");
            socket.set_reuseaddr(true).expect("SO_REUSEADDR");
            match socket
                .bind(SocketAddr::from(([127, 0, 0, 1], self.port)))
                .and_then(|()| socket.listen(1024))
            {
                Ok(l) => break l,
                Err(_) if versuche < 40 => {
                    versuche += 1;
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(e) => panic!("relay port {}: {e}", self.port),
            }
        };
        let token = CancellationToken::new();
        let ziel = self.ziel;
        let t = token.clone();
        tokio::spawn(async move {
            loop {
                let (mut client, _) = tokio::select! {
                    _ = t.cancelled() => return,
                    r = listener.accept() => match r { Ok(c) => c, Err(_) => continue },
                };
                let t = t.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(ziel).await else {
                        return;
                    };
                    tokio::select! {
                        _ = t.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    }
                    // Dropping both ends cuts the connection.
                });
            }
        });
        *an = Some(token);
    }

    /// Refuses new connections and cuts the open ones.
    pub fn aus(&self) {
        if let Some(t) = self.an.lock().unwrap().take() {
            t.cancel();
        }
    }
}

impl Drop for Schalter {
    fn drop(&mut self) {
        self.aus();
    }
}
