package checker

import "github.com/detsim/detsim/sim"

// ClientReply is the check that a reply reaches a client only for its own
// operation: every return the system records answers the call the client
// has pending, by its number. A client that took a late reply to an
// earlier request (or another client's) as the answer to its current one
// fails here, by name, before the history shows a value out of place.
const ClientReply = "client-reply"

// ClientReplies judges client returns against their pending calls. The
// zero value is ready; it reports no result until a return was recorded.
type ClientReplies struct {
	v       violations
	returns int
}

// Returned records that client returned with the reply to operation seq,
// while pending (if any) was its call in flight.
func (c *ClientReplies) Returned(client int, seq uint64, pendingSeq uint64, pending bool, at sim.Time) {
	c.returns++
	switch {
	case !pending:
		c.v.add(ClientReply, "client n%d returned at %s with a reply to operation %d while no call of it was pending",
			client, sim.AppendTime(nil, at), seq)
	case seq != pendingSeq:
		c.v.add(ClientReply, "client n%d's operation %d returned at %s with the reply to its operation %d",
			client, pendingSeq, sim.AppendTime(nil, at), seq)
	}
}

// Result is the check's verdict, and false if no return was recorded
// (a system whose clients report none has nothing to judge).
func (c *ClientReplies) Result() (Result, bool) {
	return c.v.result(ClientReply), c.returns > 0
}
