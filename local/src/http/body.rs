//! Reading a request body into memory, bounded in size and in time whatever
//! the client's pacing.
//!
//! hyper hands a body over as one frame per socket read, each frame a slice
//! of a read buffer it allocated. Keeping the frames (as `Collected` does)
//! keeps every one of those buffers alive: a body sent one byte per TCP
//! segment cost kilobytes of memory per byte. Copying each frame into one
//! buffer and dropping it keeps the cost at the body's own size.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Body;

/// Why a body could not be read.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    /// More than the limit was sent (or declared).
    TooLarge,
    /// The whole body did not arrive within the time allowed.
    TimedOut,
    /// The connection broke or the framing was invalid.
    Broken,
}

/// Reads all of `body` into one buffer of at most `limit` bytes, within `timeout`.
pub async fn collect<B>(body: B, limit: usize, timeout: Duration) -> Result<Bytes, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
{
    match tokio::time::timeout(timeout, read_all(body, limit)).await {
        Ok(result) => result,
        Err(_) => Err(BodyError::TimedOut),
    }
}

async fn read_all<B>(mut body: B, limit: usize) -> Result<Bytes, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
{
    let mut buf: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(|_| BodyError::Broken)?.into_data() else { continue }; // trailers
        let needed = buf.len() + data.len();
        if needed > limit {
            return Err(BodyError::TooLarge);
        }
        if needed > buf.capacity() {
            // Grow by doubling (amortized copies), never past the limit: the
            // buffer is sized by what was read, not by what was declared.
            let target = needed.max(buf.capacity() * 2).min(limit);
            buf.reserve_exact(target - buf.len());
        }
        buf.extend_from_slice(&data);
        // `data` (and the read buffer it pins) is dropped here.
    }
    Ok(Bytes::from(buf))
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use hyper::body::Frame;

    use super::*;

    /// `count` one-byte frames, each cut from its own 8 KiB allocation, the
    /// way hyper hands over a body dripped one byte per segment; then, if
    /// `stall`, nothing ever again.
    struct Drip {
        count: usize,
        stall: bool,
    }

    impl Body for Drip {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            if self.count == 0 {
                return if self.stall { Poll::Pending } else { Poll::Ready(None) };
            }
            self.count -= 1;
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'x'; 8192]).slice(0..1)))))
        }
    }

    #[tokio::test]
    async fn one_buffer_sized_by_what_was_read() {
        let body = collect(Drip { count: 10_000, stall: false }, 1 << 20, Duration::from_secs(5)).await.unwrap();
        assert_eq!(body.len(), 10_000);
        assert!(body.iter().all(|&b| b == b'x'));
    }

    #[tokio::test]
    async fn past_the_limit_is_too_large() {
        let result = collect(Drip { count: 101, stall: false }, 100, Duration::from_secs(5)).await;
        assert_eq!(result, Err(BodyError::TooLarge));
        let at = collect(Drip { count: 100, stall: false }, 100, Duration::from_secs(5)).await;
        assert_eq!(at.map(|b| b.len()), Ok(100));
    }

    #[tokio::test]
    async fn a_body_that_stops_times_out() {
        let started = std::time::Instant::now();
        let result = collect(Drip { count: 3, stall: true }, 100, Duration::from_millis(200)).await;
        assert_eq!(result, Err(BodyError::TimedOut));
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
