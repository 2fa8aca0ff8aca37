package counter

// onRequest queues a client's operation at the primary, or answers one it
// has already applied, or says who leads.
func (s *server) onRequest(r request) error {
	if !s.active {
		s.send(r.client, msg{tag: tagReply, Seq: r.op.Seq, View: s.st.View})
		return nil
	}
	if f := s.inflight; f != nil && f.req.client == r.client && f.req.op.Seq == r.op.Seq {
		return nil // answered when a majority has it
	}
	for _, q := range s.queue {
		if q.client == r.client && q.op.Seq == r.op.Seq {
			return nil
		}
	}
	s.queue = append(s.queue, r)
	return s.next()
}

// next starts the first queued operation if none is in flight.
func (s *server) next() error {
	for s.inflight == nil && len(s.queue) > 0 {
		r := s.queue[0]
		s.queue = s.queue[1:]
		if last, ok := s.st.Clients[r.client]; ok && r.op.Seq <= last.Seq {
			if r.op.Seq == last.Seq {
				s.send(r.client, msg{tag: tagReply, OK: true, Seq: r.op.Seq, Result: last.Result})
			}
			continue // applied already (a retry), or older still
		}
		ns := s.st.clone()
		ns.OpNum++
		if r.op.Kind == OpAdd {
			ns.Count += r.op.Delta
		}
		ns.Clients[r.client] = lastOp{Seq: r.op.Seq, Result: ns.Count}
		if err := s.persist(ns); err != nil {
			return err
		}
		s.inflight = &inflight{req: r, opNum: ns.OpNum, result: ns.Count, acks: map[int]bool{s.id: true}}
		s.broadcast(msg{tag: tagStore, View: s.st.View, State: s.st})
		if s.cfg.Testing.Bug == BugEarlyAnswer && r.op.Kind == OpAdd {
			s.answer()
		}
		s.commitIfStored()
	}
	return nil
}

func (s *server) answer() {
	f := s.inflight
	if !f.answered {
		f.answered = true
		s.send(f.req.client, msg{tag: tagReply, OK: true, Seq: f.req.op.Seq, Result: f.result})
	}
}

// commitIfStored answers the operation in flight once a majority stored it.
func (s *server) commitIfStored() {
	if f := s.inflight; f != nil && s.majority(len(f.acks)) {
		s.answer()
		s.inflight = nil
	}
}

func (s *server) onAck(from int, m msg) error {
	if f := s.inflight; s.active && f != nil && m.View == s.st.View && m.OpNum >= f.opNum {
		f.acks[from] = true
		s.commitIfStored()
		return s.next()
	}
	return nil
}

// onStore takes a state from the primary of a view not older than this
// server's, stores it if it is newer, and acknowledges.
func (s *server) onStore(from int, m msg) error {
	if m.View < s.st.View || from != s.primary(m.View) || m.State.StateView != m.View {
		return nil
	}
	if m.View > s.st.View || m.State.newer(&s.st) {
		ns := m.State.clone()
		ns.View = m.View
		if err := s.persist(ns); err != nil {
			return err
		}
		s.stepDown()
	}
	s.listen()
	s.send(from, msg{tag: tagAck, View: m.View, OpNum: s.st.OpNum})
	return nil
}

// stepDown forgets the primary's work: its clients will retry elsewhere.
func (s *server) stepDown() {
	s.active, s.queue, s.inflight = false, nil, nil
}

// enterView adopts view w and sends this server's state to its primary.
func (s *server) enterView(w uint64) error {
	ns := s.st.clone()
	ns.View = w
	if err := s.persist(ns); err != nil {
		return err
	}
	s.stepDown()
	s.listen()
	s.votes = map[int]state{s.id: s.st.clone()}
	if p := s.primary(w); p != s.id {
		s.send(p, msg{tag: tagChange, View: w, State: s.st})
	}
	return nil
}

// onChange gathers the states of a view this server is to lead; once it
// holds a majority's, it starts serving from the newest.
func (s *server) onChange(from int, m msg) error {
	if m.View < s.st.View {
		return nil
	}
	if m.View > s.st.View {
		if err := s.enterView(m.View); err != nil {
			return err
		}
	}
	if s.primary(m.View) != s.id || s.active || s.st.StateView >= m.View {
		return nil // not ours to lead, or led already (a primary serves a view once)
	}
	if s.votes == nil { // restarted inside the view change
		s.votes = map[int]state{s.id: s.st.clone()}
	}
	s.votes[from] = m.State
	if !s.majority(len(s.votes)) {
		return nil
	}
	best := s.st
	for i := 0; i < s.n; i++ {
		if v, ok := s.votes[i]; ok && v.newer(&best) {
			best = v
		}
	}
	ns := best.clone()
	ns.View, ns.StateView = m.View, m.View
	if err := s.persist(ns); err != nil {
		return err
	}
	s.active, s.votes = true, nil
	s.cfg.Observer.Leading(s.id, s.st.View, s.st.Count)
	// The state it starts from may be held by this server alone (an
	// operation an old primary stored on too few): nothing is answered,
	// not even a retry's cached result, until a majority stores it.
	s.inflight = &inflight{opNum: s.st.OpNum, acks: map[int]bool{s.id: true}, answered: true}
	s.broadcast(msg{tag: tagStore, View: s.st.View, State: s.st})
	s.commitIfStored()
	return s.next()
}
