package etcd

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestMidpoint(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	key := func() []byte {
		k := make([]byte, r.IntN(5))
		for i := range k {
			k[i] = []byte{0x00, 0x01, 0x7f, 0xfe, 0xff}[r.IntN(5)]
		}
		return k
	}
	for range 100000 {
		a, b := key(), key()
		switch bytes.Compare(a, b) {
		case 0:
			continue
		case 1:
			a, b = b, a
		}
		m := midpoint(a, b)
		if m == nil {
			if len(bytes.Trim(b[min(len(a), len(b)):], "\x00")) != 0 || !bytes.HasPrefix(b, a) {
				t.Fatalf("midpoint(%x, %x) found none", a, b)
			}
			continue
		}
		if bytes.Compare(a, m) >= 0 || bytes.Compare(m, b) >= 0 {
			t.Fatalf("midpoint(%x, %x) = %x, not strictly between", a, b, m)
		}
	}
}
