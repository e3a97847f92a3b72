package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteJSON writes rep as indented JSON.
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// ReadJSON reads a report WriteJSON wrote.
func ReadJSON(r io.Reader) (*Report, error) {
	var rep Report
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, fmt.Errorf("bench: reading report: %w", err)
	}
	return &rep, nil
}

// Output file names inside the --out directory.
const (
	JSONFile  = "report.json"
	HTMLFile  = "report.html"
	RatioFile = "ratio.svg"
	TableFile = "table.md"
)

// WriteFiles writes the JSON report, the HTML report, the ratio chart and
// the Markdown table into dir, creating it, and returns their paths.
func WriteFiles(dir string, rep *Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	writers := []struct {
		name  string
		write func(io.Writer, *Report) error
	}{
		{JSONFile, WriteJSON},
		{HTMLFile, WriteHTML},
		{RatioFile, WriteRatioSVG},
		{TableFile, func(w io.Writer, r *Report) error { return WriteTable(w, r, true) }},
	}
	var paths []string
	for _, wr := range writers {
		p := filepath.Join(dir, wr.name)
		if err := writeFile(p, rep, wr.write); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func writeFile(path string, rep *Report, write func(io.Writer, *Report) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
