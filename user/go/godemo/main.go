// godemo: a static Go program (CGO_ENABLED=0 GOOS=linux GOARCH=riscv64) run on BakaEx and diffed
// against Linux (qemu-riscv64-static) by scripts/qemu-tests.sh. Every line it prints is
// deterministic: properties (elapsed >= 20ms: yes), never times, pids or addresses.
//
//	godemo [args...]   goroutines, channels, sync, timers, context, signals, files, pipes, env, args
//	godemo net         a net/http server on 127.0.0.1 and a client (keep-alive, concurrent requests)
//	godemo exec        os/exec: children (itself as "godemo child ...") with pipes, exit codes, signals
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

func check(what string, ok bool) {
	if ok {
		fmt.Printf("%s: yes\n", what)
	} else {
		fmt.Printf("%s: no\n", what)
	}
}

func section(name string) { fmt.Printf("== %s\n", name) }

func fail(what string, err error) {
	fmt.Printf("%s: error %v\n", what, err)
	os.Exit(1)
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "net":
			netMode()
			return
		case "exec":
			execMode()
			return
		case "child":
			child()
			return
		}
	}
	// More Ps than the one hart BakaEx has (Linux's qemu-user has the host's CPUs): several
	// OS threads run Go code at once, and the kernel's scheduler interleaves them.
	runtime.GOMAXPROCS(4)
	syscall.Umask(0o022) // file modes below do not depend on the caller's umask
	args()
	goroutines()
	preemption()
	timers()
	signals()
	faults()
	files()
	pipes()
	httpUnix()
	memory()
	fmt.Println("godemo: done")
}

// --- args and environment ---------------------------------------------------------------------

func args() {
	section("args")
	fmt.Printf("argc %d\n", len(os.Args))
	for i, a := range os.Args[1:] {
		fmt.Printf("arg %d: %q\n", i+1, a)
	}
	check("argv[0] ends in godemo", strings.HasSuffix(os.Args[0], "godemo"))
	section("env")
	env := os.Environ()
	sort.Strings(env)
	for _, e := range env {
		fmt.Printf("env %s\n", e)
	}
	home, ok := os.LookupEnv("HOME")
	fmt.Printf("HOME=%q set=%v\n", home, ok)
	_, ok = os.LookupEnv("GODEMO_UNSET")
	fmt.Printf("GODEMO_UNSET set=%v\n", ok)
	os.Setenv("GODEMO_X", "forty-two")
	fmt.Printf("GODEMO_X=%q\n", os.Getenv("GODEMO_X"))
	os.Unsetenv("GODEMO_X")
	fmt.Printf("after unset: %q\n", os.Getenv("GODEMO_X"))
	fmt.Printf("expand: %s\n", os.ExpandEnv("$HOME|${TERM}|$NOPE"))
	check("pid > 0", os.Getpid() > 0)
	check("ppid >= 0", os.Getppid() >= 0)
	fmt.Printf("GOOS %s GOARCH %s\n", runtime.GOOS, runtime.GOARCH)
	check("NumCPU >= 1", runtime.NumCPU() >= 1)
}

// --- goroutines, channels, sync ---------------------------------------------------------------

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func goroutines() {
	section("goroutines")
	// A parallel computation: primes below 200000 counted by 8 workers, results over a channel.
	const limit, workers = 200000, 8
	results := make(chan [2]int, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			count, sum := 0, 0
			for n := w; n < limit; n += workers {
				if isPrime(n) {
					count++
					sum += n
				}
			}
			results <- [2]int{count, sum}
		}(w)
	}
	wg.Wait()
	close(results)
	count, sum := 0, 0
	for r := range results {
		count += r[0]
		sum += r[1]
	}
	fmt.Printf("primes below %d: %d, sum %d\n", limit, count, sum)

	// A pipeline: generator -> squarer (3 goroutines) -> summer.
	nums := make(chan int)
	squares := make(chan int)
	go func() {
		for i := 1; i <= 1000; i++ {
			nums <- i
		}
		close(nums)
	}()
	var sq sync.WaitGroup
	for i := 0; i < 3; i++ {
		sq.Add(1)
		go func() {
			defer sq.Done()
			for n := range nums {
				squares <- n * n
			}
		}()
	}
	go func() { sq.Wait(); close(squares) }()
	total := 0
	for s := range squares {
		total += s
	}
	fmt.Printf("sum of squares 1..1000: %d\n", total)

	// A mutex-protected counter and an atomic one, 16 goroutines x 5000 increments, with yields.
	var mu sync.Mutex
	counter := 0
	var atomicCounter int64
	var cw sync.WaitGroup
	for g := 0; g < 16; g++ {
		cw.Add(1)
		go func() {
			defer cw.Done()
			for i := 0; i < 5000; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
				atomic.AddInt64(&atomicCounter, 1)
				if i%1000 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	cw.Wait()
	fmt.Printf("mutex counter %d, atomic counter %d\n", counter, atomic.LoadInt64(&atomicCounter))

	// Condition variable: a ping-pong of 100 turns between two goroutines.
	var cmu sync.Mutex
	cond := sync.NewCond(&cmu)
	turn, rounds := 0, 0
	var pp sync.WaitGroup
	for p := 0; p < 2; p++ {
		pp.Add(1)
		go func(p int) {
			defer pp.Done()
			for i := 0; i < 100; i++ {
				cmu.Lock()
				for turn != p {
					cond.Wait()
				}
				rounds++
				turn = 1 - p
				cond.Broadcast()
				cmu.Unlock()
			}
		}(p)
	}
	pp.Wait()
	fmt.Printf("ping-pong rounds %d\n", rounds)

	// sync.Once, select with default, buffered channels, goroutines blocked in OS threads
	// (LockOSThread makes the runtime start more threads: clone, futex).
	var once sync.Once
	for i := 0; i < 3; i++ {
		once.Do(func() { fmt.Println("once") })
	}
	buf := make(chan int, 2)
	buf <- 1
	buf <- 2
	select {
	case buf <- 3:
		fmt.Println("sent to a full channel")
	default:
		fmt.Println("full channel: default")
	}
	fmt.Printf("len %d cap %d\n", len(buf), cap(buf))
	var locked sync.WaitGroup
	var threadSum int64
	for i := 1; i <= 4; i++ {
		locked.Add(1)
		go func(i int) {
			defer locked.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			time.Sleep(time.Millisecond)
			atomic.AddInt64(&threadSum, int64(i))
		}(i)
	}
	locked.Wait()
	fmt.Printf("locked-thread goroutines sum %d\n", threadSum)
}

// --- preemption ----------------------------------------------------------------------------------

func preemption() {
	section("preemption")
	// One P: the sleeping main goroutine runs again only if the runtime preempts a goroutine
	// that spins without a single call (sysmon sends its thread SIGURG; the signal handler
	// makes it yield: tgkill, signal delivery on the alternate stack, rt_sigreturn).
	prev := runtime.GOMAXPROCS(1)
	var stop int32
	done := make(chan int)
	go func() {
		n := 0
		for atomic.LoadInt32(&stop) == 0 {
			n++
		}
		done <- n
	}()
	time.Sleep(20 * time.Millisecond)
	atomic.StoreInt32(&stop, 1)
	check("a goroutine spinning without calls was preempted", <-done > 0)
	runtime.GOMAXPROCS(prev)

	// Many goroutines at once, each with its own stack, fanned in.
	const n = 2000
	results := make(chan int, 64)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var deep func(int) int
			deep = func(d int) int { // grows the goroutine's stack (copying it)
				var pad [64]byte
				pad[d%64] = byte(d)
				if d == 0 {
					return int(pad[0])
				}
				return deep(d-1) + int(pad[d%64]&1)
			}
			results <- i + deep(200)
		}(i)
	}
	go func() { wg.Wait(); close(results) }()
	sum := 0
	for r := range results {
		sum += r
	}
	fmt.Printf("%d goroutines: sum %d\n", n, sum)
}

// --- timers and context -----------------------------------------------------------------------

func timers() {
	section("timers")
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	check("Sleep(20ms) took >= 20ms", time.Since(start) >= 20*time.Millisecond)

	never := make(chan int)
	start = time.Now()
	select {
	case <-never:
		fmt.Println("never fired")
	case <-time.After(10 * time.Millisecond):
		fmt.Println("time.After fired")
	}
	check("After(10ms) took >= 10ms", time.Since(start) >= 10*time.Millisecond)

	start = time.Now()
	ticker := time.NewTicker(5 * time.Millisecond)
	ticks := 0
	for range ticker.C {
		ticks++
		if ticks == 5 {
			break
		}
	}
	ticker.Stop()
	fmt.Printf("ticks %d\n", ticks)
	check("5 ticks of 5ms took >= 25ms", time.Since(start) >= 25*time.Millisecond)

	start = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	select {
	case <-ctx.Done():
		fmt.Printf("context done: %v\n", ctx.Err())
	case <-time.After(5 * time.Second):
		fmt.Println("context did not expire")
	}
	cancel()
	check("deadline exceeded", errors.Is(ctx.Err(), context.DeadlineExceeded))
	check("context took >= 30ms", time.Since(start) >= 30*time.Millisecond)

	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(2 * time.Millisecond); cancel2() }()
	<-ctx2.Done()
	fmt.Printf("cancelled: %v\n", ctx2.Err())

	fired := make(chan string, 1)
	time.AfterFunc(3*time.Millisecond, func() { fired <- "AfterFunc ran" })
	fmt.Println(<-fired)
	t := time.NewTimer(time.Hour)
	check("Stop of a pending timer", t.Stop())
	t.Reset(time.Millisecond)
	<-t.C
	fmt.Println("reset timer fired")

	// Many sleeping goroutines at once, each woken no earlier than its deadline.
	base := time.Now()
	late := make(chan bool, 10)
	for i := 10; i >= 1; i-- {
		go func(i int) {
			d := time.Duration(i) * 4 * time.Millisecond
			time.Sleep(time.Until(base.Add(d)))
			late <- time.Since(base) >= d
		}(i)
	}
	onTime := 0
	for i := 0; i < 10; i++ {
		if <-late {
			onTime++
		}
	}
	fmt.Printf("sleepers woken no earlier than their deadlines: %d of 10\n", onTime)
	check("monotonic clock advances", time.Since(start) > 0)
	check("wall clock after 2020", time.Now().Year() >= 2020)
}

// --- signals ------------------------------------------------------------------------------------

func signals() {
	section("signals")
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1, syscall.SIGUSR2)
	for _, s := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2} {
		if err := syscall.Kill(os.Getpid(), s); err != nil {
			fail("kill", err)
		}
		select {
		case got := <-c:
			fmt.Printf("received %v\n", got)
		case <-time.After(5 * time.Second):
			fmt.Printf("no %v\n", s)
		}
	}
	signal.Stop(c)
	signal.Ignore(syscall.SIGHUP)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	time.Sleep(time.Millisecond)
	fmt.Println("SIGHUP ignored")
	signal.Reset(syscall.SIGHUP)
}

// --- faults: SIGSEGV turned into Go panics -----------------------------------------------------

func faults() {
	section("faults")
	// A nil dereference: the kernel's SIGSEGV, its siginfo and the registers in the signal frame
	// let the runtime's handler make the faulting goroutine panic, and recover() takes it.
	func() {
		defer func() { fmt.Printf("recovered: %v\n", recover()) }()
		var p *int
		*p = 1
	}()
	// With SetPanicOnFault, a fault at any address panics with that address (si_addr).
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	for _, addr := range []uintptr{0xdead0000, 0x10_0000_1234} {
		func() {
			defer func() {
				r := recover()
				if a, ok := r.(interface{ Addr() uintptr }); ok {
					fmt.Printf("fault at %#x: %v\n", a.Addr(), r)
				} else {
					fmt.Printf("fault: %v\n", r)
				}
			}()
			p := (*int)(unsafe.Pointer(addr))
			*p = 42
		}()
	}
	// A write to read-only memory (a string's bytes live in the read-only data segment).
	data := (*reflect.StringHeader)(unsafe.Pointer(&readOnly)).Data
	func() {
		defer func() {
			r := recover()
			a, ok := r.(interface{ Addr() uintptr })
			fmt.Printf("write to read-only data recovered: %v, address right: %v\n", r != nil,
				ok && a.Addr() == data)
		}()
		b := unsafe.Slice((*byte)(unsafe.Pointer(data)), len(readOnly))
		b[0] = 'X'
	}()
	// Software checks for comparison.
	func() {
		defer func() { fmt.Printf("recovered: %v\n", recover()) }()
		var s []int
		i := len(os.Args) + 5
		_ = s[i]
	}()
}

var readOnly = "a constant string"

// --- files ----------------------------------------------------------------------------------------

func files() {
	section("files")
	dir, err := os.MkdirTemp("", "godemo-")
	if err != nil {
		fail("MkdirTemp", err)
	}
	defer os.RemoveAll(dir)
	check("temp dir under TMPDIR or /tmp", strings.HasPrefix(filepath.Base(dir), "godemo-"))
	st, err := os.Stat(dir)
	check("temp dir is a directory", err == nil && st.IsDir())
	fmt.Printf("temp dir mode %v\n", st.Mode().Perm())

	a := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(a, []byte("hello, file\n"), 0o644); err != nil {
		fail("WriteFile", err)
	}
	data, err := os.ReadFile(a)
	fmt.Printf("read %q err=%v\n", data, err)
	f, err := os.OpenFile(a, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		fail("OpenFile", err)
	}
	fmt.Fprintf(f, "line %d\n", 2)
	f.Close()
	st, _ = os.Stat(a)
	fmt.Printf("size after append %d mode %v\n", st.Size(), st.Mode())

	// A 1 MiB file in 4 KiB writes, read back with Seek and ReadAt.
	big := filepath.Join(dir, "big.bin")
	f, _ = os.Create(big)
	block := make([]byte, 4096)
	for i := 0; i < 256; i++ {
		for j := range block {
			block[j] = byte(i + j)
		}
		if _, err := f.Write(block); err != nil {
			fail("Write", err)
		}
	}
	off, _ := f.Seek(0, io.SeekCurrent)
	fmt.Printf("offset after writes %d\n", off)
	f.Close()
	f, _ = os.Open(big)
	h := fnv.New64a()
	n, _ := io.Copy(h, f)
	fmt.Printf("big: %d bytes fnv %016x\n", n, h.Sum64())
	one := make([]byte, 4)
	f.ReadAt(one, 4096*7+3)
	fmt.Printf("ReadAt %v\n", one)
	f.Seek(-2, io.SeekEnd)
	rest, _ := io.ReadAll(f)
	fmt.Printf("last two bytes %v\n", rest)
	f.Close()

	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "c"), []byte("c"), 0o600)
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte("bb"), 0o600)
	if err := os.Rename(a, filepath.Join(dir, "renamed.txt")); err != nil {
		fail("Rename", err)
	}
	_, err = os.Stat(a)
	check("old name gone (ErrNotExist)", errors.Is(err, fs.ErrNotExist))
	os.Symlink("renamed.txt", filepath.Join(dir, "link"))
	target, err := os.Readlink(filepath.Join(dir, "link"))
	fmt.Printf("readlink %q %v\n", target, err)
	entries, err := os.ReadDir(dir)
	if err != nil {
		fail("ReadDir", err)
	}
	for _, e := range entries {
		info, _ := e.Info()
		fmt.Printf("entry %s dir=%v type=%v size=%d\n", e.Name(), e.IsDir(), e.Type(), sizeOf(info))
	}
	var walked []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		walked = append(walked, rel)
		return nil
	})
	fmt.Printf("walk %s\n", strings.Join(walked, " "))
	if err := os.Remove(filepath.Join(dir, "b.txt")); err != nil {
		fail("Remove", err)
	}
	err = os.Remove(filepath.Join(dir, "sub"))
	check("Remove of a non-empty dir fails", err != nil)
	err = os.Remove(filepath.Join(dir, "nope"))
	check("Remove of a missing file: ErrNotExist", errors.Is(err, fs.ErrNotExist))
	_, err = os.ReadFile(dir)
	check("ReadFile of a directory fails", err != nil)
	entries, _ = os.ReadDir(dir)
	names := []string{}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	fmt.Printf("after remove: %s\n", strings.Join(names, " "))
	if err := os.RemoveAll(dir); err != nil {
		fail("RemoveAll", err)
	}
	_, err = os.Stat(dir)
	check("temp dir removed", errors.Is(err, fs.ErrNotExist))

	// A fixture from the root file system (relative path: the same file on both sides).
	nf, err := os.Open("data/numbers.txt")
	if err != nil {
		fail("open data/numbers.txt", err)
	}
	sc := bufio.NewScanner(nf)
	lines, last := 0, ""
	for sc.Scan() {
		lines++
		last = sc.Text()
	}
	nf.Close()
	fmt.Printf("numbers.txt: %d lines, last %q\n", lines, last)
}

func sizeOf(info fs.FileInfo) int64 {
	if info == nil || info.IsDir() {
		return -1
	}
	return info.Size()
}

// --- pipes (the runtime's poller: non-blocking descriptors and epoll) ------------------------

func pipes() {
	section("pipes")
	r, w, err := os.Pipe()
	if err != nil {
		fail("Pipe", err)
	}
	go func() {
		for i := 0; i < 100; i++ {
			fmt.Fprintf(w, "pipe line %03d %s\n", i, strings.Repeat("x", 1000))
		}
		w.Close()
	}()
	h := fnv.New64a()
	n, err := io.Copy(h, r)
	r.Close()
	fmt.Printf("pipe: %d bytes fnv %016x err=%v\n", n, h.Sum64(), err)

	// A read deadline on a pipe nobody writes to.
	r, w, _ = os.Pipe()
	r.SetReadDeadline(time.Now().Add(15 * time.Millisecond))
	_, err = r.Read(make([]byte, 1))
	check("read deadline: ErrDeadlineExceeded", errors.Is(err, os.ErrDeadlineExceeded))
	r.Close()
	w.Close()
}

// --- memory ---------------------------------------------------------------------------------------

func memory() {
	section("memory")
	// 48 MiB in 1 MiB slices, filled, summed, dropped; then a GC returns it.
	var slices [][]byte
	for i := 0; i < 48; i++ {
		s := make([]byte, 1<<20)
		for j := 0; j < len(s); j += 4096 {
			s[j] = byte(i)
		}
		slices = append(slices, s)
	}
	sum := 0
	for _, s := range slices {
		for j := 0; j < len(s); j += 4096 {
			sum += int(s[j])
		}
	}
	fmt.Printf("touched %d MiB, sum %d\n", len(slices), sum)
	slices = nil
	runtime.GC()
	// Many small objects in a map.
	m := map[string]int{}
	for i := 0; i < 100000; i++ {
		m["k"+strconv.Itoa(i)] = i
	}
	total := 0
	for _, v := range m {
		total += v
	}
	fmt.Printf("map: %d entries, sum %d\n", len(m), total)
	runtime.GC()
	// Give the heap back to the kernel (madvise MADV_DONTNEED), then use it again: new memory
	// must read as zeros and keep what is written.
	m = nil
	debug.FreeOSMemory()
	zeros, kept := true, true
	for i := 0; i < 16; i++ {
		s := make([]byte, 1<<20)
		for j := 0; j < len(s); j += 512 {
			zeros = zeros && s[j] == 0
			s[j] = byte(j>>9) ^ byte(i)
		}
		for j := 0; j < len(s); j += 512 {
			kept = kept && s[j] == byte(j>>9)^byte(i)
		}
	}
	check("memory after FreeOSMemory reads as zeros", zeros)
	check("and keeps what is written", kept)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	check("GC ran", ms.NumGC >= 2)
}

// --- net/http: a server and a client, over TCP on loopback or over a Unix socket -------------

// netMode is `godemo net`: HTTP over TCP on 127.0.0.1.
func netMode() {
	section("net")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	check("listening on 127.0.0.1", addr.IP.Equal(net.IPv4(127, 0, 0, 1)))
	check("port > 0", addr.Port > 0)
	httpExchange(ln, "tcp", addr.String())
	_, err = net.DialTimeout("tcp", addr.String(), 2*time.Second)
	check("dial after shutdown refused", errors.Is(err, syscall.ECONNREFUSED))
	fmt.Println("godemo net: done")
}

// httpUnix is the same exchange over an AF_UNIX stream socket (part of the default mode).
func httpUnix() {
	section("http over a unix socket")
	dir, err := os.MkdirTemp("", "godemo-sock-")
	if err != nil {
		fail("MkdirTemp", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "http.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		fail("listen unix", err)
	}
	st, err := os.Stat(path)
	check("the socket is in the file system", err == nil && st.Mode()&fs.ModeSocket != 0)
	httpExchange(ln, "unix", path)
	_, err = os.Stat(path)
	check("closing the listener removed the socket", errors.Is(err, fs.ErrNotExist))
	_, err = net.DialTimeout("unix", path, 2*time.Second)
	check("dial after shutdown: ENOENT", errors.Is(err, syscall.ENOENT))
}

// httpExchange serves HTTP on ln and talks to it with a client that dials (network, addr):
// keep-alive requests, a POST, a chunked response, concurrent requests, a 404, a raw HTTP/1.0
// exchange, and a graceful shutdown.
func httpExchange(ln net.Listener, network, addr string) {
	var hits int64
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt64(&hits, 1)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello %s", r.URL.Query().Get("name"))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Length", strconv.Itoa(len(body)))
		w.Write([]byte(strings.ToUpper(string(body))))
	})
	// /together answers once all four concurrent requests are in their handlers at the same
	// time (or after 5 s): proof that the server runs them concurrently, without timing.
	var arrived int64
	allIn := make(chan struct{})
	mux.HandleFunc("/together", func(w http.ResponseWriter, r *http.Request) {
		if atomic.AddInt64(&arrived, 1) == 4 {
			close(allIn)
		}
		together := false
		select {
		case <-allIn:
			together = true
		case <-time.After(5 * time.Second):
		}
		fmt.Fprintf(w, "request %s together=%v", r.URL.Query().Get("i"), together)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 1000; i++ {
			fmt.Fprintf(w, "big line %04d %s\n", i, strings.Repeat("y", 100))
		}
	})
	srv := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	// The URL's host is only a name here: the transport dials (network, addr).
	base := "http://godemo"
	var dialer net.Dialer
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, addr)
			},
		},
	}

	// Keep-alive: three requests in a row, the later ones on the same connection.
	for i, name := range []string{"one", "two", "three"} {
		reused := false
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
		req, _ := http.NewRequest("GET", base+"/hello?name="+name, nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := client.Do(req)
		if err != nil {
			fail("GET /hello", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("GET /hello %d %s %q type=%s connection reused=%v\n", i, resp.Status, body,
			resp.Header.Get("Content-Type"), reused)
	}

	// POST with a body.
	resp, err := client.Post(base+"/echo", "text/plain", strings.NewReader("shout this"))
	if err != nil {
		fail("POST /echo", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("POST /echo %s %q X-Length=%s\n", resp.Status, body, resp.Header.Get("X-Length"))

	// A larger, chunked response.
	resp, err = client.Get(base + "/big")
	if err != nil {
		fail("GET /big", err)
	}
	h := fnv.New64a()
	n, _ := io.Copy(h, resp.Body)
	resp.Body.Close()
	fmt.Printf("GET /big %s %d bytes fnv %016x chunked=%v\n", resp.Status, n, h.Sum64(),
		len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked")

	// Concurrent requests: 4 at once, each answered only when all 4 are being handled.
	var wg sync.WaitGroup
	out := make([]string, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := client.Get(base + "/together?i=" + strconv.Itoa(i))
			if err != nil {
				out[i] = "error " + err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			out[i] = resp.Status + " " + string(b)
		}(i)
	}
	wg.Wait()
	for i, s := range out {
		fmt.Printf("concurrent %d: %s\n", i, s)
	}

	resp, err = client.Get(base + "/missing")
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Printf("GET /missing %s\n", resp.Status)
	}

	// A raw exchange with the server: HTTP/1.0 without keep-alive, the server closes.
	conn, err := net.Dial(network, addr)
	if err != nil {
		fail("dial", err)
	}
	fmt.Fprintf(conn, "GET /hello?name=raw HTTP/1.0\r\n\r\n")
	raw, _ := io.ReadAll(conn)
	conn.Close()
	status := strings.SplitN(string(raw), "\r\n", 2)[0]
	fmt.Printf("raw: %s, body %q\n", status, string(raw[strings.Index(string(raw), "\r\n\r\n")+4:]))

	client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := srv.Shutdown(ctx); err != nil {
		fail("Shutdown", err)
	}
	cancel()
	fmt.Printf("Serve returned: %v\n", <-served)
	fmt.Printf("handler hits %d\n", atomic.LoadInt64(&hits))
}

// --- os/exec ------------------------------------------------------------------------------------

// child is what `godemo exec` runs: `godemo child <what> [args]`.
func child() {
	what := ""
	if len(os.Args) > 2 {
		what = os.Args[2]
	}
	switch what {
	case "upper": // stdin to stdout in upper case, then the arguments and one variable
		in, _ := io.ReadAll(os.Stdin)
		fmt.Printf("%s|args %q|GODEMO_CHILD=%q\n", strings.ToUpper(string(in)), os.Args[3:], os.Getenv("GODEMO_CHILD"))
	case "exit":
		code, _ := strconv.Atoi(os.Args[3])
		fmt.Fprintf(os.Stderr, "exiting with %d\n", code)
		os.Exit(code)
	case "lines":
		for i := 0; i < 1000; i++ {
			fmt.Printf("child line %04d\n", i)
		}
	case "sleep":
		time.Sleep(time.Hour)
	case "cwd":
		wd, _ := os.Getwd()
		fmt.Println(filepath.Base(wd))
	}
}

func execMode() {
	section("exec")
	self := "bin/godemo" // relative: the same file on BakaEx (cwd /) and for the reference
	cmd := exec.Command(self, "child", "upper", "a", "b c")
	cmd.Stdin = strings.NewReader("input for the child")
	cmd.Env = append(os.Environ(), "GODEMO_CHILD=set by the parent")
	out, err := cmd.Output()
	fmt.Printf("upper: %q err=%v exit=%d\n", out, err, cmd.ProcessState.ExitCode())

	var stderr strings.Builder
	cmd = exec.Command(self, "child", "exit", "7")
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	check("exit 7 is an ExitError", errors.As(err, &ee))
	fmt.Printf("exit: %v code=%d stderr=%q\n", err, cmd.ProcessState.ExitCode(), stderr.String())

	cmd = exec.Command(self, "child", "lines")
	pipe, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		fail("start", err)
	}
	sc := bufio.NewScanner(pipe)
	lines, last := 0, ""
	for sc.Scan() {
		lines++
		last = sc.Text()
	}
	err = cmd.Wait()
	fmt.Printf("lines: %d, last %q, err=%v\n", lines, last, err)

	cmd = exec.Command(self, "child", "sleep")
	if err := cmd.Start(); err != nil {
		fail("start", err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	fmt.Printf("sleep: %v signaled=%v signal=%v\n", err, ws.Signaled(), ws.Signal())

	cmd = exec.Command("../"+self, "child", "cwd")
	cmd.Dir = "bin"
	out, err = cmd.Output()
	fmt.Printf("cwd: %q err=%v\n", out, err)

	// Four children at once.
	var wg sync.WaitGroup
	res := make([]string, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := exec.Command(self, "child", "upper", strconv.Itoa(i))
			c.Stdin = strings.NewReader(fmt.Sprintf("child %d", i))
			o, err := c.Output()
			res[i] = fmt.Sprintf("%q %v", o, err)
		}(i)
	}
	wg.Wait()
	for i, r := range res {
		fmt.Printf("parallel %d: %s\n", i, r)
	}

	err = exec.Command("bin/no-such-program").Run()
	check("a missing program: ErrNotExist", errors.Is(err, fs.ErrNotExist))
	err = exec.Command("data/hello.txt").Run()
	check("a file that is not executable: ErrPermission", errors.Is(err, fs.ErrPermission))
	p, err := exec.LookPath("godemo")
	fmt.Printf("LookPath: %s %v\n", p, err)
	fmt.Println("godemo exec: done")
}
