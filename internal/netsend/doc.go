// Package netsend holds the transports of hydra's network destinations:
// the connections that carry a batch of formatted records to a peer.
//
// hydra's consumer goroutine formats records into a batch of whole records,
// already framed for the wire, and hands it to a [Sender]. The root package
// owns what happens around a Send: retries (with [Backoff] and [Retryable]),
// disk buffering and accounting. netsend owns the connections:
//
//   - [Stream] for tcp://, tls:// and unix:// stream sockets: records
//     written back to back, one Write per Send;
//   - [Datagram] for udp://, unixgram:// (and unix:// as a datagram socket,
//     as /dev/log is): one datagram per record;
//   - [HTTP] for http:// and https://: one POST per batch.
//
// # Delivery
//
// Every Sender reports how many records, from the first, it delivered as far
// as the transport can tell. For streams and datagrams that is acceptance by
// the kernel, not by the peer: plain TCP has no acknowledgement a sender can
// see, so a record the kernel accepted may still be lost if the connection
// dies before the peer reads it. For HTTP it is a 2xx answer to the request
// that carried the batch.
//
// # Goroutines
//
// netsend starts no goroutine of its own. The HTTP sender's transport keeps
// connection goroutines of net/http while connections are idle; Close closes
// them.
//
// [HTTP]: http:// and https://, one POST per batch.
package netsend
