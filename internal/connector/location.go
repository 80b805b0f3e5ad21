package connector

// Location is a parsed --from/--to/--against value. (Placeholder: the readers work
// fills in parsing and redaction.)
type Location struct {
	Raw string
}
