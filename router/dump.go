package router

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// DUMP file.csv writes every string key as CSV (RFC 4180, header key,value)
// and IMPORT file.csv reads such a file back. Both are confined to the dump
// directory: the file is opened through an os.Root, so no name — "..",
// absolute, or a symlink pointing outside — can reach anything else.
//
// DUMP is not a point-in-time snapshot: it walks each shard with SCAN's
// guarantee (every key present for the whole dump is written once or more),
// so other clients keep being served while it runs. Keys lose their TTL in
// the CSV. The file appears atomically: written to a temporary name, synced,
// then renamed.
type dumper struct {
	root *os.Root
	seq  atomic.Uint64
}

var errNoDumpDir = reply.Error("ERR DUMP and IMPORT are disabled: no dump directory is configured")

func newDumper(dir string) (*dumper, error) {
	if dir == "" {
		return &dumper{}, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("router: dump dir: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("router: dump dir: %w", err)
	}
	return &dumper{root: root}, nil
}

func (d *dumper) close() {
	if d != nil && d.root != nil {
		d.root.Close()
	}
}

// checkName rejects names that are not a plain relative path inside the
// dump directory, with a clear error (os.Root would refuse them too).
func checkName(name string) error {
	if name == "" || strings.ContainsRune(name, 0) {
		return errors.New("ERR invalid file name")
	}
	if filepath.IsAbs(name) || !filepath.IsLocal(name) {
		return fmt.Errorf("ERR file name %q is outside the dump directory", name)
	}
	return nil
}

const dumpChunk = 512

// file returns the dump directory and the checked file name of a DUMP or
// IMPORT, or the error reply.
func file(x *leased, args [][]byte) (*dumper, string, reply.Reply, bool) {
	d := x.s.r.dump
	if d.root == nil {
		return nil, "", errNoDumpDir, false
	}
	name := string(args[1])
	if err := checkName(name); err != nil {
		return nil, "", reply.Error(err.Error()), false
	}
	return d, name, reply.Reply{}, true
}

func dumpCompound(x *leased, args [][]byte) reply.Reply {
	d, name, rep, ok := file(x, args)
	if !ok {
		return rep
	}
	tmp := fmt.Sprintf("%s.tmp-%d-%d", name, os.Getpid(), d.seq.Add(1))
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return reply.Error("ERR " + err.Error())
	}
	err = writeCSV(x, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.root.Rename(tmp, name)
	}
	if err != nil {
		d.root.Remove(tmp)
		return reply.Error("ERR DUMP failed: " + err.Error())
	}
	x.s.r.log.Info().Str("file", name).Msg("dump written")
	return reply.OK()
}

func writeCSV(x *leased, f io.Writer) error {
	bw := bufio.NewWriterSize(f, 64<<10)
	w := csv.NewWriter(bw)
	if err := w.Write([]string{"key", "value"}); err != nil {
		return err
	}
	var rows []string // key, value, key, value … copied out of the shard
	for sh := range x.s.r.shards {
		cur := uint64(0)
		for {
			var next uint64
			rows = rows[:0]
			// Each chunk is one short op, so the shard keeps serving others
			// between chunks; the file is written here, not on the shard.
			rep := x.run(sh, func(ks *shard.Keyspace, _ [][]byte) reply.Reply {
				next = ks.ScanStrings(cur, dumpChunk, func(k, v []byte) {
					rows = append(rows, string(k), string(v))
				})
				return reply.OK()
			}, nil)
			if rep.IsError() {
				return errors.New(string(rep.Str))
			}
			for i := 0; i < len(rows); i += 2 {
				if err := w.Write(rows[i : i+2]); err != nil {
					return err
				}
			}
			if cur = next; cur == 0 {
				break
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// importBatch is how many rows IMPORT reads before it applies them: one
// MSET per shard, so a shard spends a few tens of microseconds on each
// chunk and other clients' commands run between chunks.
const importBatch = 256

// openRegular opens name in the dump directory for reading and refuses
// anything but a regular file. The open itself is non-blocking, so a named
// pipe cannot stall it waiting for a writer (nor a device do whatever its
// open does), and the type checked is that of the file opened (fstat), not
// of whatever the name pointed to a moment earlier: there is no window
// between a check and the open for the name to be swapped.
func (d *dumper) openRegular(name string) (*os.File, error) {
	f, err := d.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s)", name, fileKind(fi.Mode()))
	}
	return f, nil
}

// fileKind names the type of a file that is not a regular one.
func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.Type().String()
}

// importCompound reads a CSV written by DUMP (header key,value) and sets every
// pair, replying with the number of keys imported. A malformed file is
// reported with its line, and nothing after that line is applied.
func importCompound(x *leased, args [][]byte) reply.Reply {
	d, name, rep, ok := file(x, args)
	if !ok {
		return rep
	}
	f, err := d.openRegular(name)
	if err != nil {
		return reply.Error("ERR IMPORT: " + err.Error())
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = 2
	r.ReuseRecord = false
	head, err := r.Read()
	if err != nil || head[0] != "key" || head[1] != "value" {
		return reply.Error("ERR IMPORT: " + name + " is not a memshard CSV (expected header key,value)")
	}
	var n int64
	groups := make([][][]byte, len(x.s.r.shards))
	flush := func() reply.Reply {
		for sh, g := range groups {
			if len(g) > 1 {
				if rep := x.run(sh, shard.MSet, g); rep.IsError() {
					return rep
				}
			}
			groups[sh] = nil
		}
		return reply.OK()
	}
	pending := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			flush()
			return reply.Error("ERR IMPORT: " + err.Error() + " (" + strconv.FormatInt(n, 10) + " keys imported before it)")
		}
		k, v := []byte(rec[0]), []byte(rec[1])
		sh := x.s.r.ShardOf(k)
		if groups[sh] == nil {
			groups[sh] = [][]byte{[]byte("mset")}
		}
		groups[sh] = append(groups[sh], k, v)
		n++
		if pending++; pending == importBatch {
			if rep := flush(); rep.IsError() {
				return rep
			}
			pending = 0
		}
	}
	if rep := flush(); rep.IsError() {
		return rep
	}
	return reply.Int(n)
}
