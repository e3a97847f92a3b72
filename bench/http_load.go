package bench

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/valyala/fasthttp"
)

// httpClient is one HTTP/1.1 keep-alive connection. Against memshard it
// posts JSON command arrays to / (pipeline 1) or /pipeline; against Webdis
// it GETs /CMD/arg/... one command at a time.
type httpClient struct {
	hc     *fasthttp.HostClient
	req    *fasthttp.Request
	resp   *fasthttp.Response
	sc     Scenario
	value  []byte
	keys   keyGen
	webdis bool
	buf    []byte
}

// httpDialer returns the dial function of an HTTP scenario against addr;
// webdis selects Webdis's URL form.
func httpDialer(addr string, sc Scenario, webdis bool) dialFunc {
	value := Value(sc.ValueSize)
	return func(_ context.Context, i int) (batcher, error) {
		c := &httpClient{
			hc: &fasthttp.HostClient{Addr: addr, MaxConns: 1, ReadTimeout: time.Minute,
				WriteTimeout: time.Minute, MaxResponseBodySize: 64 << 20},
			req: fasthttp.AcquireRequest(), resp: fasthttp.AcquireResponse(),
			sc: sc, value: value, keys: newKeyGen(i, sc.KeySpace), webdis: webdis,
		}
		return c, nil
	}
}

// appendJSONCommand appends ["CMD","key"(,"value")...] for key number key.
func appendJSONCommand(dst []byte, cmd string, key, space int, value []byte) []byte {
	p := keyPrefix(cmd)
	dst = append(dst, `["`...)
	dst = append(dst, cmd...)
	dst = append(dst, '"')
	n := 1
	if cmd == "MSET" {
		n = MSETKeys
	}
	for j := range n {
		dst = append(dst, `,"`...)
		dst = AppendKey(dst, p, (key+j)%space)
		dst = append(dst, '"')
		if cmd == "SET" || cmd == "MSET" {
			// Values are letters only: no escaping needed.
			dst = append(dst, `,"`...)
			dst = append(dst, value...)
			dst = append(dst, '"')
		}
	}
	return append(dst, ']')
}

// appendWebdisPath appends /CMD/key(/value) for key number key.
func appendWebdisPath(dst []byte, cmd string, key int, value []byte) []byte {
	dst = append(dst, '/')
	dst = append(dst, cmd...)
	dst = append(dst, '/')
	dst = AppendKey(dst, keyPrefix(cmd), key)
	if cmd == "SET" {
		dst = append(dst, '/')
		dst = append(dst, value...)
	}
	return dst
}

func (c *httpClient) batch(n int) (int, error) {
	c.req.Reset()
	c.resp.Reset()
	c.buf = c.buf[:0]
	c.req.Header.SetHost(c.hc.Addr)
	switch {
	case c.webdis:
		if n != 1 {
			return 0, fmt.Errorf("webdis has no pipeline")
		}
		c.buf = appendWebdisPath(c.buf, c.sc.Command, c.keys.next(), c.value)
		c.req.Header.SetMethod("GET")
		c.req.SetRequestURIBytes(c.buf)
	case c.sc.Pipeline == 1:
		c.buf = appendJSONCommand(c.buf, c.sc.Command, c.keys.next(), c.sc.KeySpace, c.value)
		c.post("/")
	default:
		c.buf = append(c.buf, '[')
		for i := range n {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			c.buf = appendJSONCommand(c.buf, c.sc.Command, c.keys.next(), c.sc.KeySpace, c.value)
		}
		c.buf = append(c.buf, ']')
		c.post("/pipeline")
	}
	if err := c.hc.Do(c.req, c.resp); err != nil {
		return 0, err
	}
	if c.resp.StatusCode() != fasthttp.StatusOK {
		return n, nil
	}
	if n > 1 {
		return bytes.Count(c.resp.Body(), []byte(`"error"`)), nil
	}
	return 0, nil
}

func (c *httpClient) post(path string) {
	c.req.Header.SetMethod("POST")
	c.req.SetRequestURI(path)
	c.req.Header.SetContentType("application/json")
	c.req.SetBody(c.buf)
}

func (c *httpClient) close() error {
	fasthttp.ReleaseRequest(c.req)
	fasthttp.ReleaseResponse(c.resp)
	c.hc.CloseIdleConnections()
	return nil
}
