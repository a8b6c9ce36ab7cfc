package wire

import "testing"

// Doubles are sent as DynamoDB (a Java service) sends them: always with a
// fraction, 2.0 rather than 2.
func TestAppendJSONDoubles(t *testing.T) {
	tests := []struct {
		in   ConsumedCapacity
		want string
	}{
		{ConsumedCapacity{TableName: "t", CapacityUnits: 2}, `{"TableName":"t","CapacityUnits":2.0}`},
		{ConsumedCapacity{TableName: "t", CapacityUnits: 0.5}, `{"TableName":"t","CapacityUnits":0.5}`},
		{ConsumedCapacity{TableName: "t", CapacityUnits: 0}, `{"TableName":"t","CapacityUnits":0.0}`},
		{ConsumedCapacity{TableName: "t", CapacityUnits: 12.5, ReadCapacityUnits: 10}, `{"TableName":"t","CapacityUnits":12.5,"ReadCapacityUnits":10.0}`},
	}
	for _, tt := range tests {
		if got := string(AppendJSON(nil, &tt.in)); got != tt.want {
			t.Errorf("AppendJSON(%+v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
