package table

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/wire"
)

// The DynamoDB Streams API: ListStreams, DescribeStream, GetShardIterator
// and GetRecords (target prefix DynamoDBStreams_20120810). See streams.go
// for the layout of streams, shards and sequence numbers.

// Messages of the Streams API.
const (
	msgInvalidStreamArn     = "Invalid StreamArn"
	msgInvalidShardIterator = "Invalid ShardIterator"
	msgShardNotFound        = "Requested resource not found: Shard does not exist"
	msgSeqMissing           = "One or more parameter values were invalid: Invalid SequenceNumber"
	msgSeqNotAllowed        = "One or more parameter values were invalid: SequenceNumber should not be passed for this iterator type"
	msgSeqNotInShard        = "Invalid SequenceNumber for the shard"
	msgTrimmed              = "The data you are trying to access has been trimmed"
	msgIteratorExpired      = "The provided iterator exceeds the maximum age allowed."
)

// Iterator types.
const (
	iterTrimHorizon = "TRIM_HORIZON"
	iterLatest      = "LATEST"
	iterAt          = "AT_SEQUENCE_NUMBER"
	iterAfter       = "AFTER_SEQUENCE_NUMBER"
)

// maxRecordsBytes is the most record data one GetRecords returns.
const maxRecordsBytes = 1 << 20

func streamNotFound(arn string) *ddb.Error {
	return ddb.Errorf(ddb.ErrResourceNotFound, "Requested resource not found: Stream: %s not found", arn)
}

// parseStreamARN splits a stream ARN into its table name and label.
func parseStreamARN(arn string) (table, label string, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:aws:dynamodb:")
	if !found {
		return "", "", false
	}
	i := strings.Index(rest, ":table/")
	if i < 0 || strings.Count(rest[:i], ":") != 1 {
		return "", "", false
	}
	rest = rest[i+len(":table/"):]
	table, label, found = strings.Cut(rest, "/stream/")
	if !found || table == "" || label == "" || strings.Contains(table, "/") {
		return "", "", false
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000", label); err != nil {
		return "", "", false
	}
	return table, label, true
}

// readStreamMeta reads the stream an ARN names; nil if there is none.
func readStreamMeta(tx storage.ReadTx, arn string) (*streamMeta, error) {
	table, label, ok := parseStreamARN(arn)
	if !ok {
		return nil, ddb.Validation(msgInvalidStreamArn)
	}
	raw, err := tx.Get(streamMetaKey(table, label))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sm := new(streamMeta)
	if err := json.Unmarshal(raw, sm); err != nil {
		return nil, err
	}
	if sm.arn() != arn {
		return nil, nil // another region or account
	}
	return sm, nil
}

// live reports whether a stream is still listed at now (not past its
// retention after it ended).
func (db *DB) live(sm *streamMeta, now time.Time) bool {
	return sm.Disabled == 0 || sm.Disabled >= now.Add(-db.streamRetention()).UnixMilli()
}

// shardRange returns the shards of a stream that exist at now: those from
// first to last (none if first > last).
func (db *DB) shardRange(sm *streamMeta, now time.Time) (first, last int64) {
	end := now.UnixMilli()
	if sm.Disabled != 0 {
		end = sm.Disabled
	}
	last = sm.shardAt(end)
	if cut := now.Add(-db.streamRetention()).UnixMilli(); cut > sm.Created {
		first = (cut - sm.Created) / sm.ShardMs
	}
	return first, last
}

// shardClosed reports whether shard k can receive no more records, given
// the horizon h.
func (sm *streamMeta) shardClosed(k int64, h uint64) bool {
	return sm.Disabled != 0 || h >= sm.shardEnd(k)
}

func (sm *streamMeta) shardSalt() uint32 {
	h := fnv.New32a()
	var b [12]byte
	binary.BigEndian.PutUint64(b[:], sm.TableID)
	binary.BigEndian.PutUint32(b[8:], sm.No)
	h.Write(b[:])
	return h.Sum32()
}

// shardID names shard k: "shardId-" start-ms (20 digits) "-" 8 hex digits
// of the stream, in DynamoDB's form; shard ids sort in shard order.
func (sm *streamMeta) shardID(k int64) string {
	return fmt.Sprintf("shardId-%020d-%08x", sm.Created+k*sm.ShardMs, sm.shardSalt())
}

// parseShardID returns the shard number a shard id names in this stream.
func (sm *streamMeta) parseShardID(id string) (int64, bool) {
	rest, ok := strings.CutPrefix(id, "shardId-")
	if !ok || len(rest) != 20+1+8 || rest[20] != '-' {
		return 0, false
	}
	ms, err := strconv.ParseInt(rest[:20], 10, 64)
	if err != nil || ms < sm.Created || (ms-sm.Created)%sm.ShardMs != 0 {
		return 0, false
	}
	if rest[21:] != fmt.Sprintf("%08x", sm.shardSalt()) {
		return 0, false
	}
	return (ms - sm.Created) / sm.ShardMs, true
}

func (sm *streamMeta) status() string {
	if sm.Disabled != 0 {
		return "DISABLED"
	}
	return "ENABLED"
}

// ListStreams lists the streams (of one table, or all), in pages.
func (db *DB) ListStreams(ctx context.Context, in *wire.ListStreamsInput) (*wire.ListStreamsOutput, error) {
	limit := 100
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	lo := bytes.Clone(prefixStreamMeta)
	if in.TableName != nil {
		lo = append(append(lo, *in.TableName...), 0)
	}
	hi := keycodec.PrefixEnd(lo)
	if in.ExclusiveStartStreamArn != nil {
		table, label, ok := parseStreamARN(*in.ExclusiveStartStreamArn)
		if !ok {
			return nil, ddb.Validation(msgInvalidStreamArn)
		}
		if start := keycodec.Successor(streamMetaKey(table, label)); bytes.Compare(start, lo) > 0 {
			lo = start
		}
	}
	now := db.cfg.Now()
	out := &wire.ListStreamsOutput{Streams: []wire.Stream{}}
	more := false
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		out.Streams, more = out.Streams[:0], false
		return tx.Scan(lo, hi, false, func(_, v []byte) (bool, error) {
			var sm streamMeta
			if err := json.Unmarshal(v, &sm); err != nil {
				return false, err
			}
			if !db.live(&sm, now) {
				return true, nil
			}
			if len(out.Streams) == limit {
				more = true
				return false, nil
			}
			out.Streams = append(out.Streams, wire.Stream{StreamArn: sm.arn(), TableName: sm.Table, StreamLabel: sm.Label})
			return true, nil
		})
	})
	if err != nil {
		return nil, mapStorageError(err)
	}
	if more {
		out.LastEvaluatedStreamArn = out.Streams[len(out.Streams)-1].StreamArn
	}
	return out, nil
}

// DescribeStream describes a stream and its shards, in pages of shards.
func (db *DB) DescribeStream(ctx context.Context, in *wire.DescribeStreamInput) (*wire.DescribeStreamOutput, error) {
	arn := wire.Deref(in.StreamArn)
	limit := int64(100)
	if in.Limit != nil {
		limit = int64(*in.Limit)
	}
	h := db.clock.horizon()
	now := db.cfg.Now()
	var sm *streamMeta
	err := db.eng.View(ctx, func(tx storage.ReadTx) (err error) {
		sm, err = readStreamMeta(tx, arn)
		return err
	})
	if err != nil {
		return nil, mapStorageError(err)
	}
	if sm == nil || !db.live(sm, now) {
		return nil, streamNotFound(arn)
	}
	d := &wire.StreamDescription{
		StreamArn:               arn,
		StreamLabel:             sm.Label,
		StreamStatus:            sm.status(),
		StreamViewType:          sm.ViewType,
		CreationRequestDateTime: wire.Timestamp(time.UnixMilli(sm.Created)),
		TableName:               sm.Table,
		KeySchema:               keySchemaElems(sm.Key),
		Shards:                  []wire.Shard{},
	}
	first, last := db.shardRange(sm, now)
	if in.ExclusiveStartShardId != nil {
		k, ok := sm.parseShardID(*in.ExclusiveStartShardId)
		if !ok {
			first = last + 1 // DynamoDB answers an unknown start shard with no shards
		} else if k+1 > first {
			first = k + 1
		}
	}
	if f := in.ShardFilter; f != nil && wire.Deref(f.Type) == "CHILD_SHARDS" {
		// The only child of shard k is shard k+1.
		k, ok := sm.parseShardID(wire.Deref(f.ShardId))
		if !ok || k+1 < first || k+1 > last {
			first, last = 1, 0
		} else {
			first, last = k+1, k+1
		}
	}
	for k := first; k <= last; k++ {
		if int64(len(d.Shards)) == limit {
			d.LastEvaluatedShardId = d.Shards[len(d.Shards)-1].ShardId
			break
		}
		s := wire.Shard{
			ShardId:             sm.shardID(k),
			SequenceNumberRange: &wire.SequenceNumberRange{StartingSequenceNumber: streamPos{seq: sm.shardStart(k)}.text()},
		}
		if sm.shardClosed(k, h) {
			s.SequenceNumberRange.EndingSequenceNumber = streamPos{sm.shardEnd(k) - 1, maxWriterID - 1}.text()
		}
		if k > 0 {
			s.ParentShardId = sm.shardID(k - 1)
		}
		d.Shards = append(d.Shards, s)
	}
	return &wire.DescribeStreamOutput{StreamDescription: d}, nil
}

// shardIterator is the decoded form of a ShardIterator: a position in one
// shard of one stream, and when it was handed out.
type shardIterator struct {
	arn     string
	tableID uint64
	no      uint32
	shard   int64
	pos     streamPos
	issued  int64 // unix ms
}

// encode renders the iterator as DynamoDB does: the stream ARN, "|1|", and
// an opaque (here: base64, checksummed) part.
func (it *shardIterator) encode() string {
	b := []byte{1}
	b = binary.AppendUvarint(b, it.tableID)
	b = binary.AppendUvarint(b, uint64(it.no))
	b = binary.AppendUvarint(b, uint64(it.shard))
	b = appendPos(b, it.pos)
	b = binary.BigEndian.AppendUint64(b, uint64(it.issued))
	b = binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(it.arn), b...)))
	return it.arn + "|1|" + base64.StdEncoding.EncodeToString(b)
}

func decodeShardIterator(s string) (*shardIterator, bool) {
	arn, rest, ok := strings.Cut(s, "|1|")
	if !ok {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(b) < 1+3+12+8+4 || b[0] != 1 {
		return nil, false
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if crc32.ChecksumIEEE(append([]byte(arn), body...)) != sum {
		return nil, false
	}
	it := &shardIterator{arn: arn}
	r := body[1:]
	var vals [3]uint64
	for i := range vals {
		v, n := binary.Uvarint(r)
		if n <= 0 {
			return nil, false
		}
		vals[i], r = v, r[n:]
	}
	if len(r) != 12+8 || vals[1] > 1<<32-1 || vals[2] > 1<<62 {
		return nil, false
	}
	it.tableID, it.no, it.shard = vals[0], uint32(vals[1]), int64(vals[2])
	it.pos = streamPos{binary.BigEndian.Uint64(r), binary.BigEndian.Uint32(r[8:])}
	it.issued = int64(binary.BigEndian.Uint64(r[12:]))
	return it, true
}

// GetShardIterator returns an iterator at a position of a shard.
func (db *DB) GetShardIterator(ctx context.Context, in *wire.GetShardIteratorInput) (*wire.GetShardIteratorOutput, error) {
	typ := wire.Deref(in.ShardIteratorType)
	arn := wire.Deref(in.StreamArn)
	var seq streamPos
	switch typ {
	case iterAt, iterAfter:
		if in.SequenceNumber == nil {
			return nil, ddb.Validation(msgSeqMissing)
		}
		p, ok := parseSequenceNumber(*in.SequenceNumber)
		if !ok {
			return nil, ddb.Validation(msgSeqNotInShard)
		}
		seq = p
	default:
		if in.SequenceNumber != nil {
			return nil, ddb.Validation(msgSeqNotAllowed)
		}
	}
	h := db.clock.horizon()
	now := db.cfg.Now()
	var sm *streamMeta
	err := db.eng.View(ctx, func(tx storage.ReadTx) (err error) {
		sm, err = readStreamMeta(tx, arn)
		return err
	})
	if err != nil {
		return nil, mapStorageError(err)
	}
	if sm == nil || !db.live(sm, now) {
		return nil, streamNotFound(arn)
	}
	k, ok := sm.parseShardID(wire.Deref(in.ShardId))
	first, last := db.shardRange(sm, now)
	if !ok || k < first || k > last {
		return nil, ddb.Errorf(ddb.ErrResourceNotFound, msgShardNotFound)
	}
	start, end := streamPos{seq: sm.shardStart(k)}, streamPos{seq: sm.shardEnd(k)}
	var pos streamPos
	switch typ {
	case iterTrimHorizon:
		pos = start
		if sm.wasTrimmed(pos) {
			pos = sm.trimmed().next()
		}
	case iterLatest:
		pos = end
		if !sm.shardClosed(k, h) {
			pos = streamPos{seq: max(h, start.seq)}
		}
	default:
		if seq.less(start) || !seq.less(end) {
			return nil, ddb.Validation(msgSeqNotInShard)
		}
		if sm.wasTrimmed(seq) {
			return nil, ddb.Errorf(ddb.ErrTrimmedDataAccess, msgTrimmed)
		}
		pos = seq
		if typ == iterAfter {
			pos = seq.next()
		}
	}
	it := &shardIterator{arn: arn, tableID: sm.TableID, no: sm.No, shard: k, pos: pos, issued: now.UnixMilli()}
	return &wire.GetShardIteratorOutput{ShardIterator: it.encode()}, nil
}

// GetRecords reads the records at a shard iterator. Only records that are
// final are returned (see the horizon in streams.go); an idle shard costs
// one point read and one empty range scan.
func (db *DB) GetRecords(ctx context.Context, in *wire.GetRecordsInput) (*wire.GetRecordsOutput, error) {
	it, ok := decodeShardIterator(wire.Deref(in.ShardIterator))
	if !ok {
		return nil, ddb.Validation(msgInvalidShardIterator)
	}
	now := db.cfg.Now()
	if now.Sub(time.UnixMilli(it.issued)) > iteratorLifetime {
		return nil, ddb.Errorf(ddb.ErrExpiredIterator, msgIteratorExpired)
	}
	limit := 1000
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	h := db.clock.horizon()
	out := &wire.GetRecordsOutput{Records: []wire.Record{}}
	var sm *streamMeta
	var next streamPos
	var atEnd bool
	err := db.eng.View(ctx, func(tx storage.ReadTx) error {
		out.Records = out.Records[:0]
		var err error
		sm, err = readStreamMeta(tx, it.arn)
		if err != nil {
			var de *ddb.Error
			if errors.As(err, &de) {
				return ddb.Validation(msgInvalidShardIterator)
			}
			return err
		}
		if sm == nil || sm.TableID != it.tableID || sm.No != it.no {
			return streamNotFound(it.arn)
		}
		first, last := db.shardRange(sm, now)
		if it.shard < first {
			return ddb.Errorf(ddb.ErrTrimmedDataAccess, msgTrimmed)
		}
		if it.shard > last {
			return ddb.Validation(msgInvalidShardIterator)
		}
		if sm.wasTrimmed(it.pos) {
			return ddb.Errorf(ddb.ErrTrimmedDataAccess, msgTrimmed)
		}
		upper := streamPos{seq: sm.shardEnd(it.shard)}
		if sm.Disabled == 0 && h < upper.seq {
			upper = streamPos{seq: h} // records above the horizon are not final yet
		}
		prefix := streamPrefix(sm.TableID, sm.No)
		lo := appendPos(bytes.Clone(prefix), it.pos)
		hi := appendPos(bytes.Clone(prefix), upper)
		next, atEnd = it.pos, true
		if upper.less(it.pos) {
			return nil
		}
		size := 0
		err = tx.Scan(lo, hi, false, func(k, v []byte) (bool, error) {
			if len(out.Records) == limit {
				atEnd = false
				return false, nil
			}
			if len(k) != len(prefix)+12 {
				return true, nil
			}
			p := streamPos{binary.BigEndian.Uint64(k[len(prefix):]), binary.BigEndian.Uint32(k[len(prefix)+8:])}
			rec, err := db.wireRecord(sm, k, p, v)
			if err != nil {
				return false, err
			}
			if size > 0 && size+int(rec.Dynamodb.SizeBytes) > maxRecordsBytes {
				atEnd = false
				return false, nil
			}
			size += int(rec.Dynamodb.SizeBytes)
			out.Records = append(out.Records, rec)
			next = p.next()
			return true, nil
		})
		if err != nil {
			return err
		}
		if atEnd && next.less(upper) {
			next = upper
		}
		return nil
	})
	if err != nil {
		return nil, mapStorageError(err)
	}
	if atEnd && sm.shardClosed(it.shard, h) {
		return out, nil // the shard is closed and read to its end
	}
	nit := *it
	nit.pos, nit.issued = next, now.UnixMilli()
	out.NextShardIterator = nit.encode()
	return out, nil
}

// serviceIdentity is the userIdentity of changes made by DynamoDB itself
// (TTL deletions).
var serviceIdentity = wire.Identity{Type: "Service", PrincipalId: "dynamodb.amazonaws.com"}

// wireRecord renders a stored record as a Streams API record.
func (db *DB) wireRecord(sm *streamMeta, key []byte, p streamPos, v []byte) (wire.Record, error) {
	r, err := decodeRecord(v)
	if err != nil {
		return wire.Record{}, err
	}
	sr := &wire.StreamRecord{
		ApproximateCreationDateTime: wire.Timestamp(time.Unix(clockMs(p.seq)/1000, 0)),
		Keys:                        wire.Item(r.keys),
		SequenceNumber:              p.text(),
		StreamViewType:              sm.ViewType,
	}
	size := r.keys.Size()
	if r.hasNew {
		sr.NewImage = wire.Item(r.newImg)
		size += r.newImg.Size()
	}
	if r.hasOld {
		sr.OldImage = wire.Item(r.oldImg)
		size += r.oldImg.Size()
	}
	sr.SizeBytes = int64(size)
	rec := wire.Record{
		EventID:      eventID(key),
		EventName:    eventNames[r.event],
		EventVersion: "1.1",
		EventSource:  "aws:dynamodb",
		AwsRegion:    db.cfg.Region,
		Dynamodb:     sr,
	}
	if r.service {
		id := serviceIdentity
		rec.UserIdentity = &id
	}
	return rec, nil
}
