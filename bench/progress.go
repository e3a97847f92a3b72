package bench

import (
	"io"

	"github.com/schollz/progressbar/v3"
)

// progress is the terminal progress bar; a nil writer shows nothing.
type progress struct {
	bar *progressbar.ProgressBar
}

func newProgress(w io.Writer, steps int) *progress {
	if w == nil {
		return &progress{}
	}
	bar := progressbar.NewOptions(steps,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true),
	)
	return &progress{bar: bar}
}

// done counts one finished round of one system (or one memory load).
func (p *progress) done() {
	if p.bar != nil {
		p.bar.Add(1)
	}
}

// describe shows what is happening without counting a step.
func (p *progress) describe(desc string) {
	if p.bar != nil {
		p.bar.Describe(desc)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
