package keycrmmock

import (
	"errors"
	"io"
	"net/http"
)

// maxStateBody caps PUT /__mock/state; a 100,000-offer catalogue is about 30 MB.
const maxStateBody = 256 << 20

// serveAdmin answers the /__mock endpoints: no key, no rate limit, no faults,
// not counted, so tests and scripts can inspect and steer the emulator freely.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/__mock/state":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.State())
		case http.MethodPut:
			s.putState(w, r)
		default:
			adminMethodNotAllowed(w, "GET, PUT")
		}
	case "/__mock/stats":
		if r.Method != http.MethodGet {
			adminMethodNotAllowed(w, "GET")
			return
		}
		writeJSON(w, http.StatusOK, s.Stats())
	case "/__mock/reset":
		if r.Method != http.MethodPost {
			adminMethodNotAllowed(w, "POST")
			return
		}
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusNotFound, message("Unknown admin endpoint; there are /__mock/state, /__mock/stats and /__mock/reset."))
	}
}

func (s *Server) putState(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStateBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeJSON(w, http.StatusRequestEntityTooLarge, message("The state must not be larger than 256 MiB."))
		return
	}
	if err != nil {
		drop(w)
		return
	}
	st, err := decodeState(data)
	if err == nil {
		err = s.SetState(st)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, message(err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, s.State())
}

func adminMethodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, message("Method not allowed; use "+allow+"."))
}
