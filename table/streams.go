package table

import (
	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/storage"
)

// writeStreamRecord appends the stream record of one item change to the
// table's stream, when the table has one (see afterWrite). Streams are not
// implemented yet: the StreamSpecification is stored and described only.
func (db *DB) writeStreamRecord(tx storage.Tx, m *Meta, old, next ddb.Item) error {
	return nil
}
