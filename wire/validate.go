package wire

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dynago/dynago/ddb"
)

// maxListedErrors is how many constraint violations DynamoDB lists in one
// "N validation errors detected" message.
const maxListedErrors = 10

// Enum value sets, listed in the order DynamoDB lists them.
var (
	enumReturnConsumedCapacity      = []string{"INDEXES", "TOTAL", "NONE"}
	enumReturnValues                = []string{"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"}
	enumReturnItemCollectionMetrics = []string{"SIZE", "NONE"}
	enumReturnValuesOnCCF           = []string{"ALL_OLD", "NONE"}
	enumConditionalOperator         = []string{"OR", "AND"}
	enumComparisonOperator          = []string{"IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"}
	enumAttributeAction             = []string{"ADD", "PUT", "DELETE"}
	enumSelect                      = []string{"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"}
	enumAttributeType               = []string{"B", "N", "S"}
	enumKeyType                     = []string{"HASH", "RANGE"}
	enumProjectionType              = []string{"ALL", "INCLUDE", "KEYS_ONLY"}
	enumBillingMode                 = []string{"PROVISIONED", "PAY_PER_REQUEST"}
	enumStreamViewType              = []string{"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"}
	enumSSEType                     = []string{"AES256", "KMS"}
	enumTableClass                  = []string{"STANDARD", "STANDARD_INFREQUENT_ACCESS"}
	enumShardIteratorType           = []string{"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"}
	enumShardFilterType             = []string{"CHILD_SHARDS"}
)

// checker collects Coral constraint violations.
type checker struct {
	errs []string
}

func (c *checker) full() bool { return len(c.errs) >= maxListedErrors }

// fail records "Value <val> at '<path>' failed to satisfy constraint: <msg>".
// val is the already formatted value: null or 'text'.
func (c *checker) fail(val, path, msg string) {
	if c.full() {
		return
	}
	c.errs = append(c.errs, "Value "+val+" at '"+path+"' failed to satisfy constraint: "+msg)
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	plural := "s"
	if len(c.errs) == 1 {
		plural = ""
	}
	return ddb.Validation(strconv.Itoa(len(c.errs)) + " validation error" + plural + " detected: " + strings.Join(c.errs, "; "))
}

func quote(s string) string { return "'" + s + "'" }

func (c *checker) notNull(path string, isNull bool) {
	if isNull {
		c.fail("null", path, "Member must not be null")
	}
}

// strLen is the length of s as Java counts it (UTF-16 code units).
func strLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		n += utf16.RuneLen(r)
		if utf16.RuneLen(r) < 0 {
			n++
		}
		i += size
	}
	return n
}

// strRule is the constraints of a string member.
type strRule struct {
	notNull bool
	pattern func(string) bool
	regex   string // the pattern as DynamoDB prints it
	min     int
	max     int // 0: no maximum
	enum    []string
}

var (
	ruleTableName = strRule{notNull: true, pattern: isNameChars, regex: "[a-zA-Z0-9_.-]+", min: 3, max: 255}
	ruleIndexName = strRule{pattern: isNameChars, regex: "[a-zA-Z0-9_.-]+", min: 3, max: 255}
)

func (c *checker) str(path string, p *string, r strRule) {
	if p == nil {
		if r.notNull {
			c.notNull(path, true)
		}
		return
	}
	s := *p
	if r.pattern != nil && !r.pattern(s) {
		c.fail(quote(s), path, "Member must satisfy regular expression pattern: "+r.regex)
	}
	if r.min > 0 || r.max > 0 {
		n := strLen(s)
		if r.min > 0 && n < r.min {
			c.fail(quote(s), path, "Member must have length greater than or equal to "+strconv.Itoa(r.min))
		}
		if r.max > 0 && n > r.max {
			c.fail(quote(s), path, "Member must have length less than or equal to "+strconv.Itoa(r.max))
		}
	}
	if r.enum != nil {
		c.enum(path, p, r.enum)
	}
}

func (c *checker) enum(path string, p *string, values []string) {
	if p == nil {
		return
	}
	for _, v := range values {
		if *p == v {
			return
		}
	}
	c.fail(quote(*p), path, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

// num checks an integer member against optional bounds.
func (c *checker) num(path string, p *int64, notNull bool, min, max *int64) {
	if p == nil {
		if notNull {
			c.notNull(path, true)
		}
		return
	}
	v := *p
	if min != nil && v < *min {
		c.fail(quote(strconv.FormatInt(v, 10)), path, "Member must have value greater than or equal to "+strconv.FormatInt(*min, 10))
	}
	if max != nil && v > *max {
		c.fail(quote(strconv.FormatInt(v, 10)), path, "Member must have value less than or equal to "+strconv.FormatInt(*max, 10))
	}
}

func (c *checker) num32(path string, p *int32, min, max *int64) {
	if p == nil {
		return
	}
	v := int64(*p)
	c.num(path, &v, false, min, max)
}

func bound(n int64) *int64 { return &n }

// length checks the length of a list or map member; show formats the
// member for the message.
func (c *checker) length(path string, n int, min, max int, show func() string) {
	if min > 0 && n < min {
		c.fail(quote(show()), path, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if max > 0 && n > max {
		c.fail(quote(show()), path, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

func isNameChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// Formatting of members in messages, as Java's toString prints them.

func showStrings(ss []string) func() string {
	return func() string { return "[" + strings.Join(ss, ", ") + "]" }
}

func showKeySchema(ks []KeySchemaElement) func() string {
	return func() string {
		parts := make([]string, len(ks))
		for i, k := range ks {
			parts[i] = "KeySchemaElement(AttributeName=" + showPtr(k.AttributeName) + ", KeyType=" + showPtr(k.KeyType) + ")"
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
}

func showPtr(p *string) string {
	if p == nil {
		return "null"
	}
	return *p
}

func showCount(kind string, n int) func() string {
	return func() string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = kind
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
}

func showMap(keys []string) func() string {
	return func() string {
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + "..."
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func member(path string, i int) string { return path + "." + strconv.Itoa(i+1) + ".member" }

// Immediate checks some operations make before listing violations.

// tableNameFirst is the check of CreateTable, DeleteTable, DescribeTable,
// UpdateTable and the TTL operations: a missing or badly sized TableName is
// reported on its own, before any other constraint.
func tableNameFirst(p *string) error {
	if p == nil {
		return ddb.Validation("The parameter 'TableName' is required but was not present in the request")
	}
	if n := strLen(*p); n < 3 || n > 255 {
		return ddb.Validation("TableName must be at least 3 characters long and at most 255 characters long")
	}
	return nil
}

// tableNamePattern is what remains to check of such a TableName.
func (c *checker) tableNamePattern(p *string) {
	if p != nil && !isNameChars(*p) {
		c.fail(quote(*p), "tableName", "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
}
