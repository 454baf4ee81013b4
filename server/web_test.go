package server

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/mlforge/mlforge/store"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the docs/*.png screenshots (form, run, compare, runs, sweep, data, misclassified, datasets) from the browser tests")

const chromiumPath = "/usr/bin/chromium"

// browser starts a headless Chromium with a fresh profile and a laptop-sized
// viewport. It skips the test when Chromium is not installed, unless CI is
// set. JavaScript exceptions and console errors (CSP violations included)
// fail the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		// .ci/run's race run is -short: the browser tests run in its plain
		// run, where a page's timeouts are not multiplied by the detector.
		t.Skip("browser tests are left out of -short")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is missing: install Debian's chromium package", chromiumPath)
		}
		t.Skipf("%s is not installed", chromiumPath)
	}
	// Not t.TempDir: Chromium's helpers may still write to the profile
	// while the test's cleanup removes it.
	profile, err := os.MkdirTemp("", "mlforge-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1366, 768),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			t.Errorf("JavaScript exception: %s", e.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				t.Errorf("console error: %s", strings.Join(parts, " "))
			}
		}
	})
	// Report Content-Security-Policy violations as console errors.
	cspProbe := chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`document.addEventListener('securitypolicyviolation',
			(e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`).Do(ctx)
		return err
	})
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1366, 768), cspProbe); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	return ctx
}

// setField types value into the form control matching sel and fires its
// input and change events, as a person's typing would.
func setField(sel, value string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var ok bool
		js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
			e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, sel, value)
		if err := chromedp.Evaluate(js, &ok).Do(ctx); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no element %s", sel)
		}
		return nil
	})
}

// click clicks the element matching sel, found and clicked in one step
// (the page redraws parts of itself while it runs).
func click(sel string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var ok bool
		if err := chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.click(); return true; })()`, sel), &ok).Do(ctx); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no element %s to click", sel)
		}
		return nil
	})
}

// waitJS polls a JavaScript expression until it is true.
func waitJS(expr string) chromedp.Action {
	return chromedp.Poll(expr, nil, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(45*time.Second))
}

func screenshot(t *testing.T, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if !*updateScreenshots {
			return nil
		}
		var buf []byte
		if err := chromedp.CaptureScreenshot(&buf).Do(ctx); err != nil {
			return err
		}
		p := filepath.Join("..", "docs", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		t.Logf("wrote %s (%d bytes)", p, len(buf))
		return os.WriteFile(p, buf, 0o644)
	})
}

// writeTrainingCSV writes a 5-class problem of rows × 20 features with
// features on different scales, so that L-BFGS takes its full max_iter and
// the run lasts long enough (a few seconds) to be watched live.
// With scaled, every feature has unit scale (networks take no
// preprocessing).
func writeTrainingCSV(t *testing.T, path string, rows int, scaled bool) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	const p, k = 20, 5
	scale := func(j int) float64 {
		if scaled {
			return 1
		}
		return math.Pow(10, 2*float64(j)/(p-1))
	}
	w := make([]float64, p*k)
	for i := range w {
		w[i] = r.NormFloat64() / scale(i/k)
	}
	var b bytes.Buffer
	for j := range p {
		fmt.Fprintf(&b, "f%d,", j)
	}
	b.WriteString("target\n")
	x := make([]float64, p)
	for range rows {
		for j := range x {
			x[j] = r.NormFloat64() * scale(j)
			fmt.Fprintf(&b, "%.4g,", x[j])
		}
		best, bestV := 0, math.Inf(-1)
		for c := range k {
			v := 3 * r.NormFloat64()
			for j := range p {
				v += x[j] * w[j*k+c]
			}
			if v > bestV {
				best, bestV = c, v
			}
		}
		fmt.Fprintf(&b, "c%d\n", best)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func hasNetworks(t *testing.T, base string) bool {
	t.Helper()
	resp, err := http.Get(base + "/api/classes")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	var layers []struct{ Name string }
	json.Unmarshal(c["layers"], &layers)
	for _, l := range layers {
		if l.Name == "Linear" {
			return true
		}
	}
	return false
}

// watchRun polls the run page until the run has finished, and returns the
// most points its charts showed while the page said "running" and the
// points at the end. It takes the live screenshot once the charts have a
// few points.
func watchRun(t *testing.T, ctx context.Context, shot string) (whileRunning []int, final int) {
	t.Helper()
	shotTaken := false
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		var st struct {
			Status string `json:"status"`
			Points int    `json:"points"`
		}
		err := chromedp.Run(ctx, chromedp.Evaluate(`({status: document.getElementById('app').dataset.status || '',
			points: (+(document.getElementById('chart-step') || {dataset: {}}).dataset.points || 0) + (+(document.getElementById('chart-epoch') || {dataset: {}}).dataset.points || 0)})`, &st))
		if err != nil {
			t.Fatal(err)
		}
		switch st.Status {
		case "running":
			if st.Points > 0 && (len(whileRunning) == 0 || st.Points > whileRunning[len(whileRunning)-1]) {
				whileRunning = append(whileRunning, st.Points)
			}
			if shot != "" && !shotTaken && st.Points >= 40 {
				if err := chromedp.Run(ctx, screenshot(t, shot)); err != nil {
					t.Fatal(err)
				}
				shotTaken = true
			}
		case "succeeded":
			if err := chromedp.Run(ctx, chromedp.WaitVisible(`#final-metrics`), waitJS(`+(document.getElementById('chart-step')?.dataset.points || 0) + +(document.getElementById('chart-epoch')?.dataset.points || 0) > 0`),
				chromedp.Evaluate(`+document.getElementById('chart-step').dataset.points + +document.getElementById('chart-epoch').dataset.points`, &final)); err != nil {
				t.Fatal(err)
			}
			if shot != "" && !shotTaken {
				if err := chromedp.Run(ctx, screenshot(t, shot)); err != nil {
					t.Fatal(err)
				}
			}
			return whileRunning, final
		case "failed", "cancelled":
			var text string
			chromedp.Run(ctx, chromedp.Text(`#app`, &text))
			t.Fatalf("the run %s: %s", st.Status, text)
		}
		time.Sleep(40 * time.Millisecond)
	}
	t.Fatal("the run did not finish in 45 s")
	return nil, 0
}

// TestWebTrainAndCompare drives the page in Chromium: it fills the form
// with a CSV uploaded from the page (a network built layer by layer when
// the service has networks, otherwise LogisticRegression), starts a run, sees
// the charts gain points while it trains and the run finish, starts a
// second run from "Run again" with another parameter, and compares both.
func TestWebTrainAndCompare(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	csvPath := filepath.Join(t.TempDir(), "watch.csv")
	networks := hasNetworks(t, ts.URL)
	writeTrainingCSV(t, csvPath, 60000, networks)
	start := time.Now()

	actions := []chromedp.Action{
		chromedp.Navigate(ts.URL + "/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		setField(`input[name="name"]`, "watch-a"),
		setField(`select[name="data.kind"]`, "csv"),
		chromedp.WaitVisible(`input[name="upload"]`),
		chromedp.SetUploadFiles(`input[name="upload"]`, []string{csvPath}),
		click(`button.upload`),
		waitJS(`document.querySelector('select[name="data.train"]')?.value === 'uploads/watch.csv'`),
	}
	if networks {
		// Linear(auto → 32), ReLU, Linear(32 → n_labels), trained by SGD.
		actions = append(actions,
			setField(`select[name="model.mode"]`, "network"),
			waitJS(`!!document.querySelector('select[name="add-layer"]')`),
			setField(`input[name="name"]`, "watch-a"),
			setField(`select[name="data.kind"]`, "csv"),
			setField(`select[name="data.train"]`, "uploads/watch.csv"),
			chromedp.Evaluate(`document.querySelectorAll('.step .remove').forEach(() => document.querySelector('.step .remove').click())`, nil),
			setField(`select[name="add-layer"]`, "Linear"), click(`button.add-layers`),
			setField(`input[name="model.layers[0].in_features"]`, "auto"),
			setField(`input[name="model.layers[0].out_features"]`, "32"),
			setField(`select[name="add-layer"]`, "ReLU"), click(`button.add-layers`),
			setField(`select[name="add-layer"]`, "Linear"), click(`button.add-layers`),
			setField(`input[name="model.layers[2].in_features"]`, "32"),
			setField(`input[name="model.layers[2].out_features"]`, "n_labels"),
			setField(`input[name="epochs"]`, "20"),
			setField(`input[name="batch_size"]`, "64"),
			setField(`input[name="optimizer.lr"]`, "0.01"),
			waitJS(`document.getElementById('validity')?.textContent === '✓ valid'`),
		)
	} else {
		actions = append(actions,
			setField(`select[name="model.class"]`, "LogisticRegression"),
			setField(`input[name="model.params.max_iter"]`, "150"),
			setField(`input[name="model.params.tol"]`, "0"),
			waitJS(`document.getElementById('validity')?.textContent === '✓ valid'`),
		)
	}
	actions = append(actions,
		screenshot(t, "form.png"),
		click(`#start`),
		waitJS(`/^#\/runs\/[0-9a-f]{21}$/.test(location.hash)`),
	)
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatal(err)
	}
	live, final := watchRun(t, ctx, "run.png")
	t.Logf("first run (networks: %v): chart point counts seen while running %v, %d at the end", networks, live, final)
	if len(live) < 2 {
		t.Errorf("the charts did not gain points while the run was running: counts %v", live)
	}
	if len(live) > 0 && final < live[len(live)-1] {
		t.Errorf("the charts lost points: %d at the end after %v", final, live)
	}
	var liveDraws string
	var hasConfusion bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.getElementById('app').dataset.liveDraws || '0'`, &liveDraws),
		chromedp.Evaluate(`!!document.getElementById('confusion')`, &hasConfusion)); err != nil {
		t.Fatal(err)
	}
	if liveDraws == "0" {
		t.Errorf("the page never redrew its charts with new points while the run was running")
	}
	if !hasConfusion {
		t.Errorf("no confusion matrix on the page of a finished classifier")
	}

	// Run again with another parameter, from the run page.
	second := []chromedp.Action{
		click(`#run-again`),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		waitJS(`document.getElementById('spec-json')?.value.includes('uploads/watch.csv')`),
		setField(`input[name="name"]`, "watch-b"),
	}
	if networks {
		second = append(second, setField(`input[name="optimizer.lr"]`, "0.002"), setField(`input[name="epochs"]`, "8"))
	} else {
		second = append(second, setField(`input[name="model.params.C"]`, "0.01"), setField(`input[name="model.params.max_iter"]`, "60"))
	}
	second = append(second, click(`#start`), waitJS(`/^#\/runs\/[0-9a-f]{21}$/.test(location.hash)`))
	if err := chromedp.Run(ctx, second...); err != nil {
		var dbg string
		chromedp.Run(ctx, chromedp.Evaluate(`location.hash + ' | ' + (document.getElementById('validity')?.textContent) + ' | ' + (document.querySelector('.errors')?.innerText || '') + ' | ' + (document.getElementById('spec-json')?.value || '').slice(0, 800)`, &dbg))
		t.Fatal(err, dbg)
	}
	watchRun(t, ctx, "")

	// Compare the two from the runs list.
	var paramsText, metricsText string
	var comparePoints int
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs"),
		waitJS(`document.querySelectorAll('#runs-table input.pick').length === 2`),
		chromedp.Evaluate(`document.querySelectorAll('#runs-table input.pick').forEach((c) => c.click())`, nil),
		click(`#compare-selected`),
		chromedp.WaitVisible(`#compare-metrics`),
		waitJS(`+document.getElementById('chart-compare')?.dataset.points > 0`),
		chromedp.Text(`#compare-params`, &paramsText),
		chromedp.Text(`#compare-metrics`, &metricsText),
		chromedp.Evaluate(`+document.getElementById('chart-compare').dataset.points`, &comparePoints),
		screenshot(t, "compare.png"),
	); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name", "watch-a", "watch-b"} {
		if !strings.Contains(paramsText, want) {
			t.Errorf("the table of differing parameters lacks %q:\n%s", want, paramsText)
		}
	}
	if !strings.Contains(metricsText, "accuracy") {
		t.Errorf("the compared metrics lack accuracy:\n%s", metricsText)
	}
	t.Logf("compare chart: %d points; the whole test took %v", comparePoints, time.Since(start).Round(time.Millisecond))
}

// TestWebValidationError types a bad value and a name with markup into the
// form: each error appears next to its field, and the markup is shown as
// text, never parsed.
func TestWebValidationError(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "")
	var cErr, nameErr string
	var injected bool
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		setField(`select[name="model.class"]`, "LogisticRegression"),
		setField(`input[name="model.params.C"]`, "-1"),
		setField(`input[name="name"]`, `<img src=x id=pwned onerror=alert(1)>`),
		chromedp.WaitVisible(`[data-field="model.params.C"] > .field-error`),
		chromedp.WaitVisible(`[data-field="name"] > .field-error`),
		chromedp.Text(`[data-field="model.params.C"] > .field-error`, &cErr),
		chromedp.Text(`[data-field="name"] > .field-error`, &nameErr),
		chromedp.Evaluate(`!!document.getElementById('pwned') || !!document.querySelector('.field-error img')`, &injected),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cErr, "> 0") || !strings.Contains(cErr, "-1") {
		t.Errorf("error next to model.params.C = %q, want the server's message about C > 0", cErr)
	}
	if !strings.Contains(nameErr, `<img src=x id=pwned`) {
		t.Errorf("error next to name = %q, want it to quote the typed markup as text", nameErr)
	}
	if injected {
		t.Errorf("markup typed into the form became an element")
	}
	// Starting the run shows the same errors and stays on the form.
	var hash string
	if err := chromedp.Run(ctx, click(`#start`), chromedp.Sleep(300*time.Millisecond),
		chromedp.WaitVisible(`[data-field="model.params.C"] > .field-error`), chromedp.Evaluate(`location.hash`, &hash)); err != nil {
		t.Fatal(err)
	}
	if hash != "#/new" {
		t.Errorf("an invalid spec navigated to %s", hash)
	}
}

// TestWebManyRuns fills the store with 500 runs and a run with 10,000 loss
// points, and logs how long the runs list and the run page take to render
// (a measurement, not an assertion: the machine is shared).
func TestWebManyRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	bg := context.Background()
	specJSON := json.RawMessage(`{"name":"bulk","data":{"train":"builtin:iris"},"model":{"class":"LogisticRegression","params":{"C":1}}}`)
	result := json.RawMessage(`{"metrics":{"train":{"accuracy":0.98},"test":{"accuracy":0.95}}}`)
	var big string
	for i := range 500 {
		run := &store.Run{ID: store.NewID(), Name: fmt.Sprintf("bulk-%03d", i), Class: "LogisticRegression", Spec: specJSON, Status: store.Queued}
		if err := s.store.CreateRun(bg, run); err != nil {
			t.Fatal(err)
		}
		if _, err := s.store.StartRun(bg, run.ID, run.Attempt); err != nil {
			t.Fatal(err)
		}
		if _, err := s.store.FinishRun(bg, run.ID, run.Attempt, store.Succeeded, result, ""); err != nil {
			t.Fatal(err)
		}
		big = run.ID
	}
	pts := make([]store.Point, 10000)
	for i := range pts {
		pts[i] = store.Point{Series: "loss", Step: i + 1, Value: 1 / math.Sqrt(float64(i+1)), Time: time.Now()}
	}
	if err := s.store.Append(bg, big, pts, nil); err != nil {
		t.Fatal(err)
	}

	// A run with 50,000 points, drawn decimated.
	huge := &store.Run{ID: store.NewID(), Name: "huge", Class: "Sequential", Spec: specJSON, Status: store.Queued}
	if err := s.store.CreateRun(bg, huge); err != nil {
		t.Fatal(err)
	}
	s.store.StartRun(bg, huge.ID, 0)
	s.store.FinishRun(bg, huge.ID, 0, store.Succeeded, result, "")
	hugePts := make([]store.Point, 50000)
	for i := range hugePts {
		hugePts[i] = store.Point{Series: "loss", Step: i + 1, Epoch: 1 + i/5000, Value: 1/math.Sqrt(float64(i+1)) + 0.05*math.Sin(float64(i)), Time: time.Now()}
	}
	if err := s.store.Append(bg, huge.ID, hugePts, nil); err != nil {
		t.Fatal(err)
	}

	t0 := time.Now()
	var renderMs string
	var rows int
	if err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/runs"),
		waitJS(`document.querySelectorAll('#runs-table tbody tr[data-id]').length === 50`),
		chromedp.Evaluate(`document.getElementById('app').dataset.renderMs`, &renderMs)); err != nil {
		t.Fatal(err)
	}
	listTime := time.Since(t0)
	var firstID string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('#runs-table tbody tr[data-id]').dataset.id`, &firstID)); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	if err := chromedp.Run(ctx, click(`#older`),
		waitJS(fmt.Sprintf(`document.querySelector('#runs-table tbody tr[data-id]')?.dataset.id !== %q && document.querySelector('.pager')?.textContent.includes('page 2')`, firstID)),
		chromedp.Evaluate(`document.querySelectorAll('#runs-table tbody tr[data-id]').length`, &rows)); err != nil {
		t.Fatal(err)
	}
	pageTime := time.Since(t1)
	t2 := time.Now()
	var drawMs string
	if err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/runs/"+big),
		waitJS(`document.getElementById('chart-step')?.dataset.points === '10000'`),
		chromedp.Evaluate(`document.getElementById('chart-step').dataset.drawMs`, &drawMs),
	); err != nil {
		t.Fatal(err)
	}
	chartTime := time.Since(t2)
	t3 := time.Now()
	var hugeDrawMs string
	if err := chromedp.Run(ctx, chromedp.Navigate(ts.URL+"/#/runs/"+huge.ID),
		waitJS(`document.getElementById('chart-step')?.dataset.points === '50000'`),
		chromedp.Evaluate(`document.getElementById('chart-step').dataset.drawMs`, &hugeDrawMs),
	); err != nil {
		t.Fatal(err)
	}
	hugeTime := time.Since(t3)
	t.Logf("run page with 50,000 loss points (drawn decimated to about 10,000) shown in %v (one draw %s ms)", hugeTime.Round(time.Millisecond), hugeDrawMs)
	t.Logf("500 runs: first list page (50 rows) in %v (DOM build %s ms), next page (%d rows) in %v; run page with 10,000 loss points shown in %v (one draw %s ms)",
		listTime.Round(time.Millisecond), renderMs, rows, pageTime.Round(time.Millisecond), chartTime.Round(time.Millisecond), drawMs)
}

// TestWebStatic checks the page's headers: served at "/" with a strict
// Content-Security-Policy, no framing, no sniffing, no folder listings;
// behind the token, but for the login page, its script and style sheet.
func TestWebStatic(t *testing.T) {
	const token = "secret-token"
	_, ts := newTestServer(t, "sqlite", token)
	// The cookie comes from POST /api/session with the token.
	req, _ := http.NewRequest("POST", ts.URL+"/api/session", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "mlforge_token" {
			cookie = c
		}
	}
	if resp.StatusCode != 204 || cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Value != token {
		t.Fatalf("POST /api/session = %d with cookies %v, want 204 and an HttpOnly, SameSite=Strict cookie holding the token", resp.StatusCode, resp.Cookies())
	}
	for _, tc := range []struct {
		method, path string
		cookie       bool
		status       int
		contain      string
	}{
		{"GET", "/", true, 200, `<script type="module" src="app.js">`},
		{"GET", "/app.js", true, 200, "import"},
		{"GET", "/vendor/uplot/uPlot.iife.min.js", true, 200, "uPlot"},
		{"GET", "/vendor/uplot/LICENSE", true, 200, "MIT"},
		{"GET", "/vendor/", true, 404, ""},
		{"GET", "/web.go", true, 404, ""},
		{"GET", "/nope.js", true, 404, ""},
		{"GET", "/login.html", true, 404, ""},
		{"POST", "/", true, 405, ""},
		{"GET", "/api/runs", true, 200, `"runs":[]`},
		// Without the cookie: the login page and what it needs, nothing else.
		{"GET", "/", false, 401, `<script type="module" src="/login.js">`},
		{"GET", "/index.html", false, 401, `id="token-prompt"`},
		{"GET", "/login.js", false, 200, "createSession"},
		{"GET", "/session.js", false, 200, "/api/session"},
		{"GET", "/style.css", false, 200, ".overlay"},
		{"GET", "/app.js", false, 401, "API token"},
		{"GET", "/util.js", false, 401, "API token"},
		{"GET", "/vendor/uplot/uPlot.iife.min.js", false, 401, "API token"},
		{"GET", "/nope.js", false, 401, ""},
		{"POST", "/", false, 401, ""},
		{"GET", "/api/runs", false, 401, "unauthorized"},
	} {
		req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
		if tc.cookie {
			req.AddCookie(cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.contain) {
			t.Errorf("%s %s (cookie %v) = %d %.80q, want %d containing %q", tc.method, tc.path, tc.cookie, resp.StatusCode, b, tc.status, tc.contain)
		}
		if tc.path == "/" && tc.method == "GET" {
			h := resp.Header
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
				t.Errorf("Content-Security-Policy = %q", csp)
			}
			if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", h)
			}
		}
	}
}

// TestCSRF checks that requests which change something are refused when
// they come from another site, and allowed from the page's own origin or
// from clients that send no Origin (curl, the CLI).
func TestCSRF(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	host := strings.TrimPrefix(ts.URL, "http://")
	for _, tc := range []struct {
		name   string
		method string
		header map[string]string
		status int
	}{
		{"no origin (curl)", "POST", nil, 200},
		{"same origin", "POST", map[string]string{"Origin": ts.URL, "Sec-Fetch-Site": "same-origin"}, 200},
		{"other origin", "POST", map[string]string{"Origin": "http://evil.example"}, 403},
		{"other port", "POST", map[string]string{"Origin": "http://" + strings.Split(host, ":")[0] + ":1"}, 403},
		{"null origin", "POST", map[string]string{"Origin": "null"}, 403},
		{"cross-site fetch metadata", "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		// same-site is another origin of the same site (another port of
		// localhost, say): refused, the check is on the whole origin.
		{"same-site fetch metadata", "POST", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": ts.URL}, 403},
		{"other scheme", "POST", map[string]string{"Origin": "https://" + host}, 403},
		{"user name in origin", "POST", map[string]string{"Origin": "http://user@" + host}, 403},
		{"fetch metadata none (typed in the address bar)", "POST", map[string]string{"Sec-Fetch-Site": "none"}, 200},
		{"cross-site GET is only a read", "GET", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}, 200},
	} {
		path := "/api/validate"
		var body io.Reader = strings.NewReader(irisSpec)
		if tc.method == "GET" {
			path, body = "/api/runs", nil
		}
		req, _ := http.NewRequest(tc.method, ts.URL+path, body)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, b, tc.status)
		}
		if tc.status == 403 && !strings.Contains(string(b), `"code":"csrf"`) {
			t.Errorf("%s: body %s lacks code csrf", tc.name, b)
		}
	}
}

// fakeNetworkCatalogue is a stand-in for the layers, losses, optimizers,
// schedulers and transforms that /api/classes lists once networks are
// built in, in the same shape.
func fakeNetworkCatalogue() map[string]any {
	type p = map[string]any
	return map[string]any{
		"layers": []p{
			{"name": "Conv2d", "doc": "2-D convolution", "params": []p{
				{"name": "in_channels", "type": "int", "auto": true, "min": 1}, {"name": "out_channels", "type": "int", "min": 1},
				{"name": "kernel_size", "type": "any"}, {"name": "stride", "type": "any", "default": 1}, {"name": "padding", "type": "any", "default": 0}}},
			{"name": "Flatten", "doc": "flattens", "params": []p{{"name": "start_dim", "type": "int", "default": 1}}},
			{"name": "Linear", "doc": "y = xWᵀ + b", "params": []p{
				{"name": "in_features", "type": "int", "auto": true, "min": 1}, {"name": "out_features", "type": "int", "n_labels": true, "min": 1},
				{"name": "bias", "type": "bool", "default": true}}},
			{"name": "ReLU", "doc": "max(0, x)", "params": []p{}},
		},
		"losses":     []p{{"name": "CrossEntropyLoss", "params": []p{{"name": "label_smoothing", "type": "float", "default": 0}}}, {"name": "MSELoss", "params": []p{}}},
		"optimizers": []p{{"name": "Adam", "params": []p{{"name": "lr", "type": "float", "default": 0.001}}}, {"name": "SGD", "params": []p{{"name": "lr", "type": "float", "default": 0.001}, {"name": "momentum", "type": "float", "default": 0}, {"name": "nesterov", "type": "bool", "default": false}}}},
		"schedulers": []p{{"name": "StepLR", "params": []p{{"name": "step_size", "type": "int"}, {"name": "gamma", "type": "float", "default": 0.1}}}},
		"transforms": []p{{"name": "ConvertRGB", "params": []p{}}, {"name": "Normalize", "params": []p{{"name": "mean", "type": "[]float"}, {"name": "std", "type": "[]float"}}}, {"name": "Resize", "params": []p{{"name": "size", "type": "any"}}}},
	}
}

// TestWebNetworkForm builds a network layer by layer against a catalogue
// in the shape networks will have, and checks the spec the form writes and
// that an edit of the JSON view comes back into the form.
func TestWebNetworkForm(t *testing.T) {
	ctx := browser(t)
	saved := extraClasses
	extraClasses = fakeNetworkCatalogue
	t.Cleanup(func() { extraClasses = saved })
	s, ts := newTestServer(t, "sqlite", "")
	for _, f := range []string{"pets/cat/a.png", "pets/cat/b.png", "pets/dog/c.jpg"} {
		p := filepath.Join(s.filesDir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("not really an image"), 0o644)
	}
	var got string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		setField(`select[name="model.mode"]`, "network"),
		waitJS(`!!document.querySelector('select[name="add-layer"]')`),
		setField(`input[name="name"]`, "pets"),
		setField(`select[name="data.kind"]`, "images"),
		setField(`select[name="data.train"]`, "pets"),
		chromedp.Evaluate(`while (document.querySelector('.step .remove')) document.querySelector('.step .remove').click()`, nil),
		setField(`select[name="add-layer"]`, "Conv2d"), click(`button.add-layers`),
		setField(`input[name="model.layers[0].in_channels"]`, "auto"),
		setField(`input[name="model.layers[0].out_channels"]`, "32"),
		setField(`input[name="model.layers[0].kernel_size"]`, "3"),
		setField(`select[name="add-layer"]`, "Flatten"), click(`button.add-layers`),
		setField(`select[name="add-layer"]`, "ReLU"), click(`button.add-layers`),
		click(`.step[data-index="2"] button[title="move up"]`),
		setField(`select[name="add-layer"]`, "Linear"), click(`button.add-layers`),
		setField(`input[name="model.layers[3].in_features"]`, "auto"),
		setField(`input[name="model.layers[3].out_features"]`, "n_labels"),
		setField(`select[name="scheduler.type"]`, "StepLR"),
		setField(`input[name="scheduler.step_size"]`, "1"),
		setField(`input[name="scheduler.gamma"]`, "0.5"),
		setField(`select[name="add-transforms"]`, "Resize"), click(`button.add-transforms`),
		setField(`input[name="transforms[0].size"]`, "28"),
		setField(`select[name="add-transforms"]`, "Normalize"), click(`button.add-transforms`),
		setField(`input[name="transforms[1].mean"]`, "0.5"),
		setField(`input[name="transforms[1].std"]`, "0.5"),
		setField(`textarea[name="labels"]`, "cat\ndog\n"),
		chromedp.Value(`#spec-json`, &got),
	)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name": "pets", "data": {"train": "pets", "split": {"test_size": 0.25}},
		"model": {"layers": [{"type": "Conv2d", "in_channels": "auto", "out_channels": 32, "kernel_size": 3}, {"type": "ReLU"}, {"type": "Flatten"},
			{"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"batch_size": 64, "epochs": 5, "seed": 0, "criterion": {"type": "CrossEntropyLoss"}, "optimizer": {"type": "SGD", "lr": 0.01, "momentum": 0.9},
		"scheduler": {"type": "StepLR", "step_size": 1, "gamma": 0.5},
		"transforms": [{"type": "Resize", "size": 28}, {"type": "Normalize", "mean": [0.5], "std": [0.5]}], "labels": ["cat", "dog"]}`
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(want), &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("the form wrote\n%s\nwant\n%s", gb, wb)
	}

	// An edit of the JSON view comes back into the form.
	edited := strings.Replace(got, `"out_channels": 32`, `"out_channels": 16`, 1)
	var v string
	if err := chromedp.Run(ctx, setField(`#spec-json`, edited),
		chromedp.Value(`input[name="model.layers[0].out_channels"]`, &v)); err != nil {
		t.Fatal(err)
	}
	if v != "16" {
		t.Errorf("after editing the JSON, out_channels in the form = %q, want 16", v)
	}
}

// TestWebToken opens the page of a server that needs a token: the page asks
// for it once, keeps it in a cookie, and the API answers.
func TestWebToken(t *testing.T) {
	ctx := browser(t)
	_, ts := newTestServer(t, "sqlite", "web-token-123")
	var text string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs"),
		chromedp.WaitVisible(`#token-prompt`),
		chromedp.SendKeys(`#token-input`, "web-token-123"),
		click(`#token-prompt button[type=submit]`),
		chromedp.WaitNotPresent(`#token-prompt`),
		waitJS(`document.querySelector('#runs-table tbody')?.textContent.includes('No runs yet')`),
		chromedp.Navigate(ts.URL+"/#/new"),
		chromedp.WaitVisible(`#spec-form[data-ready]`),
		waitJS(`document.getElementById('validity')?.textContent === '✓ valid'`),
		chromedp.Text(`#validity`, &text),
	); err != nil {
		t.Fatal(err)
	}
}

// TestWebProgressAndCancel starts a long run through the API, sees its live
// progress in the runs list, and cancels it from its page.
func TestWebProgressAndCancel(t *testing.T) {
	ctx := browser(t)
	s, ts := newTestServer(t, "sqlite", "")
	networks := hasNetworks(t, ts.URL)
	writeTrainingCSV(t, filepath.Join(s.filesDir, "long.csv"), 30000, networks)
	body := `{"name": "long", "data": {"train": "long.csv"}, "model": {"class": "LogisticRegression", "params": {"max_iter": 100000, "tol": 0}}}`
	if networks {
		body = `{"name": "long", "data": {"train": "long.csv"}, "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 64},
			{"type": "ReLU"}, {"type": "Linear", "in_features": 64, "out_features": "n_labels"}]},
			"criterion": {"type": "CrossEntropyLoss"}, "optimizer": {"type": "SGD", "lr": 0.01}, "batch_size": 64, "epochs": 100000}`
	}
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: body, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	t.Cleanup(func() { // whatever happened, stop the long run
		req, _ := http.NewRequest("POST", ts.URL+"/api/runs/"+created.ID+"/cancel", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	})
	waitStatus(t, ts.URL, created.ID, "running")
	var progress, status string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/#/runs"),
		waitJS(`/\d/.test(document.querySelector('#runs-table .progress small')?.textContent || '')`),
		chromedp.Evaluate(`document.querySelector('#runs-table .progress small')?.textContent || ''`, &progress),
		click(`#runs-table a`),
		waitJS(`!!document.getElementById('cancel')`),
		click(`#cancel`),
		waitJS(`document.getElementById('cancel')?.textContent === 'Really cancel?'`),
		click(`#cancel`),
		waitJS(`document.getElementById('app').dataset.status === 'cancelled'`),
		chromedp.Evaluate(`document.getElementById('app').dataset.status`, &status),
	); err != nil {
		t.Fatal(err)
	}
	t.Logf("progress shown in the runs list: %q", progress)
	waitStatus(t, ts.URL, created.ID, "cancelled")
}
