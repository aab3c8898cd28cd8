//! tokio echo servers for `scripts/echo_compare.sh`: `echo-baselines current|multi PORT`
//! serves 127.0.0.1:PORT on tokio's `current_thread` runtime or its multi-thread one, the same
//! echo loop as genpipe's `examples/echo_server.rs`.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

async fn serve(port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("echo server on {}", listener.local_addr()?);
    loop {
        let (mut stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4 << 10];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                    }
                }
            }
        });
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let runtime = match args.first().map(String::as_str) {
        Some("multi") => tokio::runtime::Builder::new_multi_thread().enable_io().build()?,
        _ => tokio::runtime::Builder::new_current_thread().enable_io().build()?,
    };
    runtime.block_on(serve(port))
}
