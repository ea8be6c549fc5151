// SPDX-License-Identifier: LGPL-2.1-or-later

// go-preempt early|late: a goroutine spins on a flag (a loop without calls) while main starts
// a garbage collection. "late" collects while it still spins: the collection must stop it,
// and only an async preemption can (Go 1.14+: the runtime signals its thread with
// tgkill(getpid(), tid, SIGURG)); the flag is set only after the collection. "early" lets it
// end first, so nothing needs preempting. A profile recorded from "early" lacks tgkill:
// under it, "late" waits for ever. A test of the implicit set.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"
)

var flag int32

func spin(done chan bool) {
	for atomic.LoadInt32(&flag) == 0 {
	}
	done <- true
}

func main() {
	late := len(os.Args) > 1 && os.Args[1] == "late"
	done := make(chan bool)

	runtime.GOMAXPROCS(2)
	if !late {
		atomic.StoreInt32(&flag, 1)
	}
	go spin(done)
	if !late {
		<-done
	}
	time.Sleep(20 * time.Millisecond) // the spinner runs
	runtime.GC()
	atomic.StoreInt32(&flag, 1)
	if late {
		<-done
	}
	fmt.Println("ok")
}
