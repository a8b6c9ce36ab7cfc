package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
)

// The randomized model test: random writes and random Query/Scan requests
// (key conditions, filters, projections, Select, limits, directions,
// parallel-scan segments) on the table and on its secondary indexes run
// against the server and against a simple in-memory model of DynamoDB's
// read rules; every page (items, Count, ScannedCount, LastEvaluatedKey)
// must agree. Set DYNAGO_MODEL_SEED to replay a run.
//
// The table has a global index byS (s, sk; everything projected) and a
// local index byN (pk, n; s projected). An index holds the items that have
// its key attributes, ordered like a table by its own key (and then the
// table's); a Scan of an index runs in the hash order of the index's
// partition key.

// mItem is the model's item: the table is keyed by pk (S) and sk (N); n,
// s, flag and big are optional.
type mItem struct {
	pk, sk string // sk: canonical number text
	n      *int
	s      *string
	flag   *bool
	big    string // "" when absent
}

func (it *mItem) key() string { return it.pk + "\x00" + it.sk }

// size is DynamoDB's item size: names plus values.
func (it *mItem) size() int {
	sz := len("pk") + len(it.pk) + len("sk") + ddb.NumberSize(it.sk)
	if it.n != nil {
		sz += len("n") + ddb.NumberSize(strconv.Itoa(*it.n))
	}
	if it.s != nil {
		sz += len("s") + len(*it.s)
	}
	if it.flag != nil {
		sz += len("flag") + 1
	}
	if it.big != "" {
		sz += len("big") + len(it.big)
	}
	return sz
}

func (it *mItem) attrs() item {
	out := item{"pk": S(it.pk), "sk": N(it.sk)}
	if it.n != nil {
		out["n"] = N(strconv.Itoa(*it.n))
	}
	if it.s != nil {
		out["s"] = S(*it.s)
	}
	if it.flag != nil {
		out["flag"] = BOOL(*it.flag)
	}
	if it.big != "" {
		out["big"] = S(it.big)
	}
	return out
}

func mRat(s string) *big.Rat {
	r, _ := new(big.Rat).SetString(s)
	return r
}

// mFilter is a random filter: its expression text (with :v<i> values) and
// its meaning.
type mFilter struct {
	text string
	vals map[string]types.AttributeValue
	eval func(*mItem) bool
}

type mGen struct {
	r    *rand.Rand
	nval int
	vals map[string]types.AttributeValue
}

func (g *mGen) val(v types.AttributeValue) string {
	g.nval++
	k := ":v" + strconv.Itoa(g.nval)
	g.vals[k] = v
	return k
}

// filterAttrs says which attribute each case of filter uses.
var filterAttrs = [9]string{"n", "n", "n", "s", "flag", "big", "flag", "s", "s"}

// filter builds a random filter of at most depth levels, using only the
// attributes allowed.
func (g *mGen) filter(depth int, allowed map[string]bool) (string, func(*mItem) bool) {
	r := g.r
	if depth > 0 && r.IntN(3) == 0 {
		a, ea := g.filter(depth-1, allowed)
		op := r.IntN(3)
		if op == 2 {
			return "NOT (" + a + ")", func(it *mItem) bool { return !ea(it) }
		}
		b, eb := g.filter(depth-1, allowed)
		if op == 0 {
			return "(" + a + ") AND (" + b + ")", func(it *mItem) bool { return ea(it) && eb(it) }
		}
		return "(" + a + ") OR (" + b + ")", func(it *mItem) bool { return ea(it) || eb(it) }
	}
	var cases []int
	for i, a := range filterAttrs {
		if allowed[a] {
			cases = append(cases, i)
		}
	}
	switch cases[r.IntN(len(cases))] {
	case 0:
		v := r.IntN(10)
		k := g.val(N(strconv.Itoa(v)))
		return "n < " + k, func(it *mItem) bool { return it.n != nil && *it.n < v }
	case 1:
		v := r.IntN(10)
		k := g.val(N(strconv.Itoa(v)))
		return "n >= " + k, func(it *mItem) bool { return it.n != nil && *it.n >= v }
	case 2:
		lo := r.IntN(10)
		hi := lo + r.IntN(5)
		kl, kh := g.val(N(strconv.Itoa(lo))), g.val(N(strconv.Itoa(hi)))
		return "n BETWEEN " + kl + " AND " + kh, func(it *mItem) bool { return it.n != nil && *it.n >= lo && *it.n <= hi }
	case 3:
		p := string(rune('a' + r.IntN(4)))
		k := g.val(S(p))
		return "begins_with(s, " + k + ")", func(it *mItem) bool { return it.s != nil && strings.HasPrefix(*it.s, p) }
	case 4:
		return "attribute_exists(flag)", func(it *mItem) bool { return it.flag != nil }
	case 5:
		return "attribute_not_exists(big)", func(it *mItem) bool { return it.big == "" }
	case 6:
		b := r.IntN(2) == 0
		k := g.val(BOOL(b))
		return "flag = " + k, func(it *mItem) bool { return it.flag != nil && *it.flag == b }
	case 7:
		c := string(rune('a' + r.IntN(4)))
		k := g.val(S(c))
		return "contains(s, " + k + ")", func(it *mItem) bool { return it.s != nil && strings.Contains(*it.s, c) }
	default:
		v := r.IntN(5)
		k := g.val(N(strconv.Itoa(v)))
		return "size(s) > " + k, func(it *mItem) bool { return it.s != nil && len(*it.s) > v }
	}
}

// mRead is one random read request, run page by page on both sides.
type mRead struct {
	query   bool
	index   string // "" (the table), "byS" or "byN"
	pk      string // Query: the value of the partition key (pk, or s for byS)
	skCond  string // "" or a key condition on the sort key with :k1 (and :k2)
	skOK    func(sk string) bool
	forward bool
	limit   int
	segment int
	total   int // 0: not a parallel scan
	filter  *mFilter
	proj    []string // nil: whole items (or entries)
	count   bool
	vals    map[string]types.AttributeValue
}

// hashName and rangeName are the key attributes of the read's source.
func (rd *mRead) hashName() string {
	if rd.index == "byS" {
		return "s"
	}
	return "pk"
}

func (rd *mRead) rangeName() string {
	if rd.index == "byN" {
		return "n"
	}
	return "sk"
}

func (g *mGen) read(pks, svals []string) *mRead {
	r := g.r
	g.nval = 0
	g.vals = map[string]types.AttributeValue{}
	rd := &mRead{query: r.IntN(3) > 0, forward: r.IntN(2) == 0, index: []string{"", "", "byS", "byN"}[r.IntN(4)]}
	if r.IntN(4) > 0 {
		rd.limit = 1 + r.IntN(20)
	}
	if rd.query {
		rd.pk = pks[r.IntN(len(pks))]
		randRange := func() string { return randSK(r) }
		if rd.index == "byS" {
			rd.pk = svals[r.IntN(len(svals))]
		}
		if rd.index == "byN" {
			randRange = func() string { return strconv.Itoa(r.IntN(14) - 1) }
		}
		a := randRange()
		b := randRange()
		if mRat(a).Cmp(mRat(b)) > 0 {
			a, b = b, a
		}
		ra := mRat(a)
		rn := rd.rangeName()
		switch r.IntN(7) {
		case 0:
			rd.skOK = func(string) bool { return true }
		case 1:
			rd.skCond = rn + " = :k1"
			rd.skOK = func(sk string) bool { return mRat(sk).Cmp(ra) == 0 }
		case 2:
			rd.skCond = rn + " < :k1"
			rd.skOK = func(sk string) bool { return mRat(sk).Cmp(ra) < 0 }
		case 3:
			rd.skCond = rn + " <= :k1"
			rd.skOK = func(sk string) bool { return mRat(sk).Cmp(ra) <= 0 }
		case 4:
			rd.skCond = ":k1 < " + rn
			rd.skOK = func(sk string) bool { return mRat(sk).Cmp(ra) > 0 }
		case 5:
			rd.skCond = rn + " >= :k1"
			rd.skOK = func(sk string) bool { return mRat(sk).Cmp(ra) >= 0 }
		default:
			rb := mRat(b)
			rd.skCond = rn + " BETWEEN :k1 AND :k2"
			rd.skOK = func(sk string) bool { return mRat(sk).Cmp(ra) >= 0 && mRat(sk).Cmp(rb) <= 0 }
			g.vals[":k2"] = N(b)
		}
		if rd.skCond != "" {
			g.vals[":k1"] = N(a)
		}
		g.vals[":pk"] = S(rd.pk)
	} else if r.IntN(3) == 0 {
		rd.total = []int{1, 2, 3, 7, 64}[r.IntN(5)]
		rd.segment = r.IntN(rd.total)
	}
	// A filter may not use the source's key attributes, nor (on byN)
	// attributes the index does not project.
	allowed := map[string]bool{"n": true, "s": true, "flag": true, "big": true}
	projectable := []string{"pk", "sk", "n", "s", "flag"}
	switch rd.index {
	case "byS":
		delete(allowed, "s")
	case "byN":
		allowed = map[string]bool{"s": true}
		projectable = []string{"pk", "sk", "n", "s"}
	}
	if r.IntN(2) == 0 {
		text, eval := g.filter(2, allowed)
		rd.filter = &mFilter{text: text, eval: eval}
	}
	switch r.IntN(4) {
	case 0:
		rd.count = true
	case 1:
		all := append([]string(nil), projectable...)
		r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		rd.proj = all[:1+r.IntN(len(all))]
	}
	rd.vals = g.vals
	return rd
}

func randSK(r *rand.Rand) string {
	v := r.IntN(41) - 20
	if r.IntN(4) == 0 {
		if v < 0 {
			return strconv.Itoa(v) + ".5"
		}
		if v == 0 {
			return "0.5"
		}
		return strconv.Itoa(v) + ".5"
	}
	return strconv.Itoa(v)
}

// mPage is one page as both sides see it, rendered for comparison.
type mPage struct {
	items          []string
	count, scanned int32
	last           string
	full           bool // the model stopped the page at 1 MB
}

// inSource reports whether the read's source holds the item.
func (rd *mRead) inSource(it *mItem) bool {
	switch rd.index {
	case "byS":
		return it.s != nil
	case "byN":
		return it.n != nil
	}
	return true
}

// view is the item as the source holds it, and its size.
func (rd *mRead) view(it *mItem) (item, int) {
	a := it.attrs()
	if rd.index != "byN" {
		return a, it.size()
	}
	v := item{"pk": a["pk"], "sk": a["sk"], "n": a["n"]}
	size := len("pk") + len(it.pk) + len("sk") + ddb.NumberSize(it.sk) + len("n") + ddb.NumberSize(strconv.Itoa(*it.n))
	if it.s != nil {
		v["s"] = a["s"]
		size += len("s") + len(*it.s)
	}
	return v, size
}

// hashValue and rangeValue are the item's values of the source's keys.
func (rd *mRead) hashValue(it *mItem) string {
	if rd.index == "byS" {
		return *it.s
	}
	return it.pk
}

func (rd *mRead) rangeValue(it *mItem) string {
	if rd.index == "byN" {
		return strconv.Itoa(*it.n)
	}
	return it.sk
}

// lastKey is the LastEvaluatedKey naming the item: the table's key and the
// index's.
func (rd *mRead) lastKey(it *mItem) item {
	k := modelKey(it)
	switch rd.index {
	case "byS":
		k["s"] = S(*it.s)
	case "byN":
		k["n"] = N(strconv.Itoa(*it.n))
	}
	return k
}

// model pages the read through the model.
func (rd *mRead) model(items map[string]*mItem, start string) mPage {
	var cand []*mItem
	for _, it := range items {
		if !rd.inSource(it) {
			continue
		}
		if rd.query {
			if rd.hashValue(it) == rd.pk && rd.skOK(rd.rangeValue(it)) {
				cand = append(cand, it)
			}
			continue
		}
		if rd.total > 0 {
			lo, hi := keycodec.SegmentHashRange(rd.segment, rd.total)
			if h := uint64(keycodec.HashPK(ddb.S(rd.hashValue(it)))); h < lo || h >= hi {
				continue
			}
		}
		cand = append(cand, it)
	}
	// Query: sort-key order (by value); Scan: partition-key hash order,
	// then partition key, then sort key. Entries of an index with equal
	// keys follow the table's key.
	sort.Slice(cand, func(i, j int) bool {
		a, b := cand[i], cand[j]
		if !rd.query {
			ha, hb := keycodec.HashPK(ddb.S(rd.hashValue(a))), keycodec.HashPK(ddb.S(rd.hashValue(b)))
			if ha != hb {
				return ha < hb
			}
			if rd.hashValue(a) != rd.hashValue(b) {
				return rd.hashValue(a) < rd.hashValue(b)
			}
		}
		if c := mRat(rd.rangeValue(a)).Cmp(mRat(rd.rangeValue(b))); c != 0 {
			return c < 0
		}
		if rd.index == "byS" && a.pk != b.pk {
			return a.pk < b.pk
		}
		return mRat(a.sk).Cmp(mRat(b.sk)) < 0
	})
	if rd.query && !rd.forward {
		for i, j := 0, len(cand)-1; i < j; i, j = i+1, j-1 {
			cand[i], cand[j] = cand[j], cand[i]
		}
	}
	if start != "" {
		for i, it := range cand {
			if render(rd.lastKey(it)) == start {
				cand = cand[i+1:]
				break
			}
		}
	}
	var p mPage
	p.items = []string{}
	bytesRead := 0
	for _, it := range cand {
		p.scanned++
		a, size := rd.view(it)
		bytesRead += size
		if rd.filter == nil || rd.filter.eval(it) {
			p.count++
			if !rd.count {
				if rd.proj != nil {
					keep := item{}
					for _, name := range rd.proj {
						if v, ok := a[name]; ok {
							keep[name] = v
						}
					}
					a = keep
				}
				p.items = append(p.items, render(a))
			}
		}
		if (rd.limit > 0 && int(p.scanned) == rd.limit) || bytesRead >= 1<<20 {
			p.full = bytesRead >= 1<<20
			p.last = render(rd.lastKey(it))
			break
		}
	}
	if rd.count {
		p.items = nil
	}
	return p
}

func modelKey(it *mItem) item { return item{"pk": S(it.pk), "sk": N(it.sk)} }

func (rd *mRead) describe() string {
	var b strings.Builder
	if rd.query {
		fmt.Fprintf(&b, "Query index=%q %s=%s %q forward=%v", rd.index, rd.hashName(), rd.pk, rd.skCond, rd.forward)
	} else {
		fmt.Fprintf(&b, "Scan index=%q segment=%d/%d", rd.index, rd.segment, rd.total)
	}
	fmt.Fprintf(&b, " limit=%d count=%v proj=%v", rd.limit, rd.count, rd.proj)
	if rd.filter != nil {
		fmt.Fprintf(&b, " filter=%q", rd.filter.text)
	}
	if len(rd.vals) > 0 {
		fmt.Fprintf(&b, " values=%s", render(rd.vals))
	}
	return b.String()
}

// server pages the read through Dynago.
func (rd *mRead) server(ctx context.Context, c *dynamodb.Client, table string, start item) (mPage, item, error) {
	var vals map[string]types.AttributeValue
	if len(rd.vals) > 0 {
		vals = rd.vals
	}
	var filter, proj *string
	var names map[string]string
	if rd.filter != nil {
		filter = aws.String(rd.filter.text)
	}
	if rd.proj != nil {
		names = map[string]string{}
		var refs []string
		for i, n := range rd.proj {
			ref := "#p" + strconv.Itoa(i)
			names[ref] = n
			refs = append(refs, ref)
		}
		proj = aws.String(strings.Join(refs, ", "))
	}
	var sel types.Select
	if rd.count {
		sel = types.SelectCount
	}
	var limit *int32
	if rd.limit > 0 {
		limit = aws.Int32(int32(rd.limit))
	}
	var items []item
	var p mPage
	var last item
	var index *string
	if rd.index != "" {
		index = aws.String(rd.index)
	}
	if rd.query {
		kce := rd.hashName() + " = :pk"
		if rd.skCond != "" {
			kce += " AND " + rd.skCond
		}
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: index, KeyConditionExpression: aws.String(kce),
			FilterExpression: filter, ProjectionExpression: proj, ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
			Select: sel, Limit: limit, ScanIndexForward: aws.Bool(rd.forward), ExclusiveStartKey: start, ConsistentRead: aws.Bool(rd.index != "byS")})
		if err != nil {
			return p, nil, err
		}
		items, p.count, p.scanned, last = out.Items, out.Count, out.ScannedCount, out.LastEvaluatedKey
	} else {
		in := &dynamodb.ScanInput{TableName: aws.String(table), IndexName: index, FilterExpression: filter, ProjectionExpression: proj,
			ExpressionAttributeNames: names, ExpressionAttributeValues: vals, Select: sel, Limit: limit, ExclusiveStartKey: start}
		if rd.total > 0 {
			in.Segment, in.TotalSegments = aws.Int32(int32(rd.segment)), aws.Int32(int32(rd.total))
		}
		out, err := c.Scan(ctx, in)
		if err != nil {
			return p, nil, err
		}
		items, p.count, p.scanned, last = out.Items, out.Count, out.ScannedCount, out.LastEvaluatedKey
	}
	if items != nil {
		p.items = qsRenderList(items)
	}
	if last != nil {
		p.last = render(last)
	}
	return p, last, nil
}

func TestRandomReadsAgainstModel(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("DYNAGO_MODEL_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (DYNAGO_MODEL_SEED=%d replays it)", seed, seed)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	c, ctx := qsSetup(t)
	const table = "model"
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: ixAD("pk", "S", "sk", "N", "s", "S", "n", "N"),
		KeySchema:            ixKS("pk", "HASH", "sk", "RANGE"),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byS"), KeySchema: ixKS("s", "HASH", "sk", "RANGE"),
			Projection: ixProj(types.ProjectionTypeAll)}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byN"), KeySchema: ixKS("pk", "HASH", "n", "RANGE"),
			Projection: ixProj(types.ProjectionTypeInclude, "s")}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	pks := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	items := map[string]*mItem{}
	reads, writes := 200, 6
	if testing.Short() {
		reads = 50
	}
	var stats struct{ queries, scans, indexReads, pages, fullPages, items int }
	g := &mGen{r: r}
	bigText := strings.Repeat("0123456789", 8000)
	for round := 0; round < reads; round++ {
		// A few random writes (puts and deletes), applied to both.
		for w := 0; w < writes; w++ {
			it := &mItem{pk: pks[r.IntN(len(pks))], sk: randSK(r)}
			if old, ok := items[it.key()]; ok && r.IntN(3) == 0 {
				if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: modelKey(old)}); err != nil {
					t.Fatal(err)
				}
				delete(items, it.key())
				continue
			}
			if r.IntN(4) > 0 {
				n := r.IntN(12)
				it.n = &n
			}
			if r.IntN(4) > 0 {
				var b []byte
				for i := 1 + r.IntN(5); i > 0; i-- { // not empty: s is an index key
					b = append(b, byte('a'+r.IntN(5)))
				}
				s := string(b)
				it.s = &s
			}
			if r.IntN(3) == 0 {
				f := r.IntN(2) == 0
				it.flag = &f
			}
			if r.IntN(6) == 0 {
				it.big = bigText[:1+r.IntN(len(bigText))]
			}
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it.attrs()}); err != nil {
				t.Fatal(err)
			}
			items[it.key()] = it
		}
		svals := []string{"a", "b", "ab"}
		for _, it := range items {
			if it.s != nil && len(svals) < 12 {
				svals = append(svals, *it.s)
			}
		}
		rd := g.read(pks, svals)
		if rd.query {
			stats.queries++
		} else {
			stats.scans++
		}
		if rd.index != "" {
			stats.indexReads++
		}
		var start item
		startText := ""
		for page := 1; ; page++ {
			want := rd.model(items, startText)
			got, last, err := rd.server(ctx, c, table, start)
			if err != nil {
				t.Fatalf("round %d: %s: page %d: %v", round, rd.describe(), page, err)
			}
			if !samePage(got, want) {
				t.Fatalf("round %d (%d items in table): %s\npage %d differs:\n got  count=%d scanned=%d last=%s items=%v\n want count=%d scanned=%d last=%s items=%v",
					round, len(items), rd.describe(), page, got.count, got.scanned, got.last, got.items, want.count, want.scanned, want.last, want.items)
			}
			stats.pages++
			stats.items += int(want.count)
			if want.full {
				stats.fullPages++
			}
			if last == nil {
				break
			}
			start, startText = last, got.last
			if page > 10000 {
				t.Fatal("read does not end")
			}
		}
	}
	t.Logf("%d queries and %d scans (%d of them on indexes) compared in %d pages (%d stopped at 1 MB) returning %d items; %d items in the table",
		stats.queries, stats.scans, stats.indexReads, stats.pages, stats.fullPages, stats.items, len(items))
}

func samePage(a, b mPage) bool {
	if a.count != b.count || a.scanned != b.scanned || a.last != b.last || (a.items == nil) != (b.items == nil) {
		return false
	}
	return bytes.Equal([]byte(strings.Join(a.items, "\n")), []byte(strings.Join(b.items, "\n")))
}
