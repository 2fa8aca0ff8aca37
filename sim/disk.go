package sim

import (
	"slices"
	"sort"
)

// Disk is the simulated disk of one node. It survives the node's crashes.
//
// The fault model, and why the cluster can survive it:
//   - A crash loses every write that was not synced and every directory change
//     that was not synced; the unsynced tail of a file may survive in part (a
//     torn write). Raft never acknowledges what it has not synced, so this loses
//     nothing anyone was promised.
//   - A crash can strike inside a step, just before or just after a sync.
//   - A sync can fail; the node must stop.
//   - Synced data can be damaged (a flipped byte, or a lost write that reads back
//     as a zeroed 16-byte block), but the scenario generators inflict it on a
//     minority of nodes only. Such a node must detect it and stop; the majority
//     carries on. A damaged byte never touches two adjacent 16-byte blocks, so a
//     format that keeps two copies of a small record in different blocks can
//     always tell damage from a torn write.
//
// The disk tracks how much of each file is durable rather than copying data on
// sync, so a sync costs nothing in simulation.
type Disk struct {
	live    map[string]*inode // what the running node sees
	durable map[string]*inode // the directory as of the last SyncDir

	crashAt  CrashPoint // armed crash inside the next sync
	failSync bool       // the next sync fails
	node     int

	Stats DiskStats
}

// DiskStats counts what happened to a disk.
type DiskStats struct {
	Syncs, TornWrites, LostUnsynced, Damaged int
}

type inode struct {
	data   []byte
	synced int // data[:synced] is durable
}

// CrashPoint says where inside a step an armed crash strikes.
type CrashPoint uint8

const (
	CrashNone       CrashPoint = iota
	CrashBeforeSync            // after a write, before its sync
	CrashAfterSync             // after the sync, before anything sent
)

func newDisk(node int) *Disk {
	return &Disk{live: map[string]*inode{}, durable: map[string]*inode{}, node: node}
}

func (d *Disk) create(name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	if f, ok := d.live[name]; ok {
		// Like O_TRUNC: the same file, emptied; until it is synced a crash
		// may leave it empty (the harsher of what a real disk may do).
		f.data, f.synced = f.data[:0], 0
		return nil
	}
	d.live[name] = &inode{}
	return nil
}

func (d *Disk) append(name string, p []byte) error {
	f, ok := d.live[name]
	if !ok {
		return notExist("append", name)
	}
	f.data = append(f.data, p...)
	return nil
}

func (d *Disk) sync(name string) error {
	f, ok := d.live[name]
	if !ok {
		return notExist("sync", name)
	}
	if err := d.beforeSync(); err != nil {
		return err
	}
	f.synced = len(f.data)
	d.afterSync()
	return nil
}

func (d *Disk) syncDir() error {
	if err := d.beforeSync(); err != nil {
		return err
	}
	d.durable = make(map[string]*inode, len(d.live))
	//detsim:allow map-range a copy into another map: order cannot show
	for name, f := range d.live {
		d.durable[name] = f
	}
	d.afterSync()
	return nil
}

func (d *Disk) beforeSync() error {
	d.Stats.Syncs++
	if d.failSync {
		d.failSync = false
		return ErrSyncFailed
	}
	if d.crashAt == CrashBeforeSync {
		d.crashAt = CrashNone
		panic(crashSignal{d.node})
	}
	return nil
}

func (d *Disk) afterSync() {
	if d.crashAt == CrashAfterSync {
		d.crashAt = CrashNone
		panic(crashSignal{d.node})
	}
}

func (d *Disk) readFile(name string) ([]byte, error) {
	f, ok := d.live[name]
	if !ok {
		return nil, notExist("read", name)
	}
	return slices.Clone(f.data), nil
}

func (d *Disk) rename(oldname, newname string) error {
	if err := CheckName(newname); err != nil {
		return err
	}
	f, ok := d.live[oldname]
	if !ok {
		return notExist("rename", oldname)
	}
	delete(d.live, oldname)
	d.live[newname] = f
	return nil
}

func (d *Disk) remove(name string) error {
	if _, ok := d.live[name]; !ok {
		return notExist("remove", name)
	}
	delete(d.live, name)
	return nil
}

func (d *Disk) list() []string {
	return sortedNames(d.live)
}

func sortedNames(m map[string]*inode) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// crash throws away everything that was not durable. The unsynced tail of each
// durable file survives in part with probability tornPPM (a torn write).
func (d *Disk) crash(r *Rand, tornPPM uint32) {
	d.crashAt = CrashNone
	d.failSync = false
	d.live = make(map[string]*inode, len(d.durable))
	for _, name := range sortedNames(d.durable) {
		f := d.durable[name]
		d.live[name] = f
		unsynced := len(f.data) - f.synced
		if unsynced == 0 {
			continue
		}
		keep := 0
		if unsynced > 1 && r.Chance(tornPPM) {
			keep = 1 + int(r.Below(uint64(unsynced-1))) // a strict, non-empty prefix
			d.Stats.TornWrites++
		} else {
			d.Stats.LostUnsynced++
		}
		f.data = f.data[:f.synced+keep]
		f.synced = len(f.data)
	}
}

// DamageKind is a fault to synced data.
type DamageKind uint8

const (
	DamageFlip DamageKind = iota + 1 // one byte's bits flipped
	DamageLost                       // a 16-byte block reads back as zeros
)

// damage hurts synced data of one durable file chosen by r. It returns false
// when there is no synced data to damage.
func (d *Disk) damage(r *Rand, kind DamageKind) bool {
	// Any synced byte is equally likely to be hit, as a bad sector would be.
	names := sortedNames(d.durable)
	total := 0
	for _, name := range names {
		total += d.durable[name].synced
	}
	if total == 0 {
		return false
	}
	pos := int(r.Below(uint64(total)))
	var f *inode
	for _, name := range names {
		if f = d.durable[name]; pos < f.synced {
			break
		}
		pos -= f.synced
	}
	switch kind {
	case DamageFlip:
		f.data[pos] ^= byte(1 + r.Below(255))
	case DamageLost:
		start := pos &^ 15
		end := min(start+16, f.synced)
		clear(f.data[start:end])
	}
	d.Stats.Damaged++
	return true
}

// diskView is the FS an incarnation sees: once its node crashes, every call fails.
type diskView struct {
	d   *Disk
	env *nodeEnv
}

func (v *diskView) check() error {
	if v.env != nil && !v.env.live() {
		return ErrCrashed
	}
	return nil
}

func (v *diskView) Create(name string) error {
	if err := v.check(); err != nil {
		return err
	}
	return v.d.create(name)
}

func (v *diskView) Append(name string, p []byte) error {
	if err := v.check(); err != nil {
		return err
	}
	return v.d.append(name, p)
}

func (v *diskView) Sync(name string) error {
	if err := v.check(); err != nil {
		return err
	}
	return v.d.sync(name)
}

func (v *diskView) ReadFile(name string) ([]byte, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	return v.d.readFile(name)
}

func (v *diskView) Rename(oldname, newname string) error {
	if err := v.check(); err != nil {
		return err
	}
	return v.d.rename(oldname, newname)
}

func (v *diskView) Remove(name string) error {
	if err := v.check(); err != nil {
		return err
	}
	return v.d.remove(name)
}

func (v *diskView) SyncDir() error {
	if err := v.check(); err != nil {
		return err
	}
	return v.d.syncDir()
}

func (v *diskView) List() ([]string, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	return v.d.list(), nil
}

// NewDisk returns an empty simulated disk outside any world (for tests and
// tools); its FS is always live.
func NewDisk() *Disk { return newDisk(-1) }

// FS returns a view of d that is always live, for use outside a world.
func (d *Disk) FS() FS { return &diskView{d: d} }

// Crash applies a crash to d as the world would: unsynced data is lost, or
// survives in part with probability tornPPM.
func (d *Disk) Crash(r *Rand, tornPPM uint32) { d.crash(r, tornPPM) }

// Damage hurts synced data as a fault would; false if there was none.
func (d *Disk) Damage(r *Rand, kind DamageKind) bool { return d.damage(r, kind) }

// ArmCrash makes the next sync panic as a crash inside a step would. Only the
// world can recover that panic; tests outside a world use it with recover.
func (d *Disk) ArmCrash(p CrashPoint) { d.crashAt = p }
