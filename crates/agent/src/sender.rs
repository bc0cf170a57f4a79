//! The sender thread: one WebSocket to the hub at a time, reconnecting with backoff.

use crate::{Batch, Shared};
use futures_util::{SinkExt, StreamExt};
use mizu_proto::{AgentMessage, Hello, HubMessage};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};

pub(crate) fn run(sh: Arc<Shared>) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            sh.log(&format!("cannot start the sender: {e}"));
            return;
        }
    };
    rt.block_on(main_loop(&sh));
}

/// Closing and either everything is acknowledged or the deadline passed.
fn done(sh: &Shared) -> bool {
    if !sh.closing.load(Ordering::SeqCst) {
        return false;
    }
    let empty = sh.buf.lock().map_or(true, |b| b.is_empty());
    empty || past_deadline(sh)
}

fn past_deadline(sh: &Shared) -> bool {
    sh.deadline
        .lock()
        .ok()
        .and_then(|d| *d)
        .is_some_and(|d| Instant::now() >= d)
}

/// Step `attempt` of the backoff: `min · 2^attempt` capped at `max`, times 0.5–1.0.
fn backoff(sh: &Shared, attempt: u32) -> Duration {
    let base = sh
        .cfg
        .backoff_min
        .saturating_mul(1u32 << attempt.min(16))
        .min(sh.cfg.backoff_max);
    base.mul_f64(0.5 + fastrand::f64() * 0.5)
}

enum ConnectError {
    Refused(u16, String),
    Other(String),
}

async fn main_loop(sh: &Shared) {
    let url = crate::agent_url(&sh.cfg.hub, &sh.cfg.agent, &sh.cfg.node);
    let mut attempt = 0u32;
    loop {
        if done(sh) {
            break;
        }
        match connect(sh, &url).await {
            Ok(ws) => {
                attempt = 0;
                sh.counters.connects.fetch_add(1, Ordering::Relaxed);
                sh.connected.store(true, Ordering::SeqCst);
                let held = sh.buf.lock().map_or(0, |b| b.entries);
                sh.log(&format!(
                    "connected to {url} as agent {} on node {} ({held} entries buffered)",
                    sh.cfg.agent, sh.cfg.node
                ));
                let why = session(sh, ws).await;
                sh.connected.store(false, Ordering::SeqCst);
                requeue(sh);
                match why {
                    Ok(()) => break,
                    Err(e) => sh.log(&format!("connection to the hub lost: {e}")),
                }
            }
            Err(ConnectError::Refused(code, body)) => {
                let hint = match code {
                    401 => {
                        sh.counters.auth_failures.fetch_add(1, Ordering::Relaxed);
                        "the hub refused the token: set MIZU_HUB_TOKEN to the hub's --token"
                    }
                    403 => {
                        "the hub has agent ingest disabled: start it with --token (or MIZU_HUB_TOKEN)"
                    }
                    503 => "the hub has too many agents connected",
                    _ => "the hub refused the connection",
                };
                let delay = backoff(sh, attempt);
                sh.log(&format!(
                    "{hint} (HTTP {code}{}{}); retrying in {:.1}s",
                    if body.is_empty() { "" } else { ": " },
                    body.trim(),
                    delay.as_secs_f64()
                ));
                attempt += 1;
                pause(sh, delay).await;
                continue;
            }
            Err(ConnectError::Other(e)) => {
                let delay = backoff(sh, attempt);
                sh.log(&format!(
                    "cannot reach the hub at {url}: {e}; retrying in {:.1}s",
                    delay.as_secs_f64()
                ));
                attempt += 1;
                pause(sh, delay).await;
                continue;
            }
        }
        if done(sh) {
            break;
        }
        let delay = backoff(sh, attempt);
        attempt += 1;
        pause(sh, delay).await;
    }
}

/// Sleeps `d`, cut short by the finishing deadline.
async fn pause(sh: &Shared, d: Duration) {
    let until = Instant::now() + d;
    let until = match sh.deadline.lock().ok().and_then(|x| *x) {
        Some(dl) if dl < until => dl,
        _ => until,
    };
    tokio::time::sleep_until(until.into()).await;
}

/// Everything sent on the lost connection and not acknowledged is sent again first.
fn requeue(sh: &Shared) {
    let mut b = sh.buf.lock().unwrap_or_else(|e| e.into_inner());
    let inflight = std::mem::take(&mut b.inflight);
    b.resend.extend(inflight);
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(sh: &Shared, url: &str) -> Result<Ws, ConnectError> {
    let mut req = url
        .into_client_request()
        .map_err(|e| ConnectError::Other(format!("bad hub URL: {e}")))?;
    let auth = HeaderValue::from_str(&format!("Bearer {}", sh.cfg.token)).map_err(|_| {
        ConnectError::Other("the token has characters a header cannot carry".into())
    })?;
    req.headers_mut().insert("authorization", auth);
    let connector = sh.tls.clone().map(tokio_tungstenite::Connector::Rustls);
    let fut = tokio_tungstenite::connect_async_tls_with_config(req, None, false, connector);
    match tokio::time::timeout(Duration::from_secs(10), fut).await {
        Err(_) => Err(ConnectError::Other("timed out after 10 s".into())),
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(tungstenite::Error::Http(resp))) => {
            let body = resp
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            let msg = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                .unwrap_or(body);
            Err(ConnectError::Refused(resp.status().as_u16(), msg))
        }
        Ok(Err(e)) => {
            let mut msg = e.to_string();
            if msg.contains("certificate") {
                msg.push_str(
                    " (a hub certificate from a private CA: trust it with --hub-ca FILE or MIZU_HUB_CA)",
                );
            }
            Err(ConnectError::Other(msg))
        }
    }
}

fn batch_message(seq: u64, b: &Batch) -> Message {
    let mut out = Vec::with_capacity(b.bytes + b.entries.len() + 64);
    mizu_proto::write_entries_batch(&mut out, seq, b.entries.iter().map(Vec::as_slice));
    // Entries are UTF-8 JSON: the batch is too.
    Message::Text(String::from_utf8_lossy(&out).into_owned().into())
}

fn text(m: &AgentMessage) -> Message {
    Message::Text(String::from_utf8_lossy(&m.to_vec()).into_owned().into())
}

/// The next batch to send: a resend first, else new entries once a batch is full, the
/// linger time is over, or the agent is closing.
fn next_batch(sh: &Shared, flush: bool) -> Option<(u64, Message)> {
    let mut b = sh.buf.lock().unwrap_or_else(|e| e.into_inner());
    if b.inflight.len() >= sh.cfg.window {
        return None;
    }
    if let Some((seq, batch)) = b.resend.pop_first() {
        let m = batch_message(seq, &batch);
        b.inflight.insert(seq, batch);
        return Some((seq, m));
    }
    let ready = b.pending.len() >= sh.cfg.batch_entries
        || b.pending_bytes >= sh.cfg.batch_bytes
        || ((flush || sh.closing.load(Ordering::SeqCst)) && !b.pending.is_empty());
    if !ready {
        return None;
    }
    let (seq, batch) = b.take_batch(sh.cfg.batch_entries, sh.cfg.batch_bytes)?;
    let m = batch_message(seq, &batch);
    b.inflight.insert(seq, batch);
    Some((seq, m))
}

async fn session(sh: &Shared, ws: Ws) -> Result<(), String> {
    let (mut tx, mut rx) = ws.split();
    let send_timeout = Duration::from_secs(10);
    let hello = AgentMessage::Hello(Hello {
        v: mizu_proto::VERSION,
        agent: sh.cfg.agent.clone(),
        node: sh.cfg.node.clone(),
        node_ip: sh.cfg.node_ip.clone(),
        software: format!("mizu {}", env!("CARGO_PKG_VERSION")),
        captures: vec!["pcap".into(), "af_packet".into()],
        packets: sh.ring.is_some(),
    });
    send(&mut tx, text(&hello), send_timeout).await?;
    let mut status = tokio::time::interval(sh.cfg.status_interval);
    let mut linger = tokio::time::interval(sh.cfg.linger);
    linger.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut flush = false;
    let mut last_progress = Instant::now();
    loop {
        while let Some((_, m)) = next_batch(sh, flush) {
            send(&mut tx, m, send_timeout).await?;
            sh.counters.batches.fetch_add(1, Ordering::Relaxed);
        }
        flush = false;
        if done(sh) {
            let st = AgentMessage::Status(sh.status());
            let _ = send(&mut tx, text(&st), send_timeout).await;
            let _ = tx.send(Message::Close(None)).await;
            return Ok(());
        }
        let waiting = sh.buf.lock().is_ok_and(|b| !b.inflight.is_empty());
        if waiting && last_progress.elapsed() > sh.cfg.ack_timeout {
            return Err(format!(
                "no acknowledgement for {} s",
                sh.cfg.ack_timeout.as_secs()
            ));
        }
        if !waiting {
            last_progress = Instant::now();
        }
        tokio::select! {
            m = rx.next() => {
                let data = match m {
                    None => return Err("closed by the hub".into()),
                    Some(Err(e)) => return Err(e.to_string()),
                    Some(Ok(Message::Text(t))) => t.as_bytes().to_vec(),
                    Some(Ok(Message::Binary(b))) => b.to_vec(),
                    Some(Ok(Message::Close(c))) => {
                        return Err(c.map_or_else(
                            || "closed by the hub".to_owned(),
                            |c| format!("closed by the hub ({}: {})", u16::from(c.code), c.reason),
                        ));
                    }
                    Some(Ok(_)) => continue,
                };
                match HubMessage::from_slice(&data) {
                    Ok(HubMessage::Ack(a)) => {
                        last_progress = Instant::now();
                        let freed = a.seq.and_then(|s| sh.buf.lock().ok()?.release(s));
                        if let Some(b) = freed {
                            let n = &sh.counters;
                            n.acked.fetch_add(b.entries.len() as u64, Ordering::Relaxed);
                            n.stored.fetch_add(a.stored, Ordering::Relaxed);
                        }
                        if a.invalid > 0 {
                            sh.log(&format!(
                                "the hub found {} invalid entries in batch {:?}: {:?}",
                                a.invalid, a.seq, a.errors.first().map(|e| &e.message)
                            ));
                        }
                    }
                    Ok(HubMessage::Error(e)) => {
                        sh.log(&format!("hub error for batch {:?}: {}", e.seq, e.message));
                        if !e.retry
                            && let Some(seq) = e.seq
                            && let Some(b) = sh.buf.lock().ok().and_then(|mut x| x.release(seq))
                        {
                            sh.counters
                                .rejected
                                .fetch_add(b.entries.len() as u64, Ordering::Relaxed);
                        } else if e.retry {
                            // Sent again on the next connection: drop this one.
                            return Err(format!("hub could not store batch {:?}", e.seq));
                        }
                    }
                    Ok(HubMessage::Targets(t)) => sh.apply_targets(t),
                    Ok(HubMessage::Packets(req)) => {
                        let reply = AgentMessage::Packets(packets_reply(sh, &req));
                        send(&mut tx, text(&reply), send_timeout).await?;
                    }
                    Err(e) => sh.log(&format!("unreadable message from the hub: {e}")),
                }
            }
            _ = sh.wake.notified() => {}
            _ = linger.tick() => { flush = true; }
            _ = status.tick() => {
                let st = AgentMessage::Status(sh.status());
                send(&mut tx, text(&st), send_timeout).await?;
            }
        }
    }
}

/// Answers the hub's request for the packets of some connections from the ring.
fn packets_reply(sh: &Shared, req: &mizu_proto::PacketsRequest) -> mizu_proto::PacketsReply {
    let mut reply = mizu_proto::PacketsReply {
        v: mizu_proto::VERSION,
        id: req.id,
        ..Default::default()
    };
    let Some(ring) = &sh.ring else {
        reply.missing = req.connections.len() as u64;
        reply.error = "this agent keeps no packets (start it with --pcap-ring SIZE)".into();
        return reply;
    };
    let mut pairs = Vec::with_capacity(req.connections.len());
    for c in &req.connections {
        match (c.client.parse(), c.server.parse()) {
            (Ok(a), Ok(b)) => pairs.push((a, b)),
            _ => reply.missing += 1,
        }
    }
    let e = ring
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .export(&pairs, req.max_bytes);
    reply.found = e.found as u64;
    reply.missing += e.missing as u64;
    reply.partial = e.partial as u64;
    reply.packets = e.packets;
    reply.truncated = e.truncated;
    reply.set_pcap(&e.pcap);
    reply
}

async fn send<S>(tx: &mut S, m: Message, timeout: Duration) -> Result<(), String>
where
    S: futures_util::Sink<Message, Error = tungstenite::Error> + Unpin,
{
    match tokio::time::timeout(timeout, tx.send(m)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("send blocked for {} s", timeout.as_secs())),
    }
}
