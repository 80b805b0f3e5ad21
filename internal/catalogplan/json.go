package catalogplan

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// marshalNoEscape encodes without turning & < > into \u escapes: SKUs, names and
// picture URLs hold them often, and plans are read and grepped by people.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
