package keycrmmock

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
)

// reply is a handler's answer, built under the state lock and written after it.
type reply struct {
	status int
	body   any
}

type messageBody struct {
	Message string `json:"message"`
}

func message(text string) messageBody { return messageBody{Message: text} }

// validationBody is Laravel's 422 shape, which KeyCRM is believed to keep:
// field paths such as "stocks.3.sku" mapped to their messages.
type validationBody struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

type statusBody struct {
	Status bool `json:"status"`
}

// accepted is the whole answer of the bulk endpoints: no per-item outcome.
var accepted = statusBody{Status: true}

func invalid(errs fieldErrors) reply {
	return reply{http.StatusUnprocessableEntity, validationBody{Message: "The given data was invalid.", Errors: errs}}
}

func notFound(what string, id string) reply {
	return reply{http.StatusNotFound, message(what + " " + id + " not found.")}
}

// writeJSON sends v as the whole answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // page URLs keep their "&" readable
	err := enc.Encode(v)
	data := buf.Bytes()
	if err != nil {
		// Only the emulator's own view types are marshalled; this is a bug,
		// reported as one rather than as a malformed success.
		status, data = http.StatusInternalServerError, []byte(`{"message":"keycrm-mock could not encode its answer"}`)
	}
	writeRaw(w, status, data)
}

func writeRaw(w http.ResponseWriter, status int, data []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data) // a client that left cannot be told
}

// drop closes the connection without an answer. An RST rather than a FIN makes
// it look like a crashed peer or a broken middlebox, the case a client must
// survive. Writers that cannot be hijacked (HTTP/2, recorders) get net/http's
// own abort, which resets the stream.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
