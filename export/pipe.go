package export

import "errors"

// errStopped stops a producer whose consumer failed.
var errStopped = errors.New("export: stopped")

// pipeBatch is how many rows a producer hands over at once.
const pipeBatch = 256

// piped runs produce on a goroutine of its own, handing its rows over in
// batches to the caller's emit: reading the store and computing the
// figures overlap with writing the file. At most a few batches are in
// flight, so memory stays bounded whatever the number of rows. The rows
// come out in the order produced; an error of emit stops the producer.
func piped(produce func(emit func(values ...any) error) error) func(emit func(values ...any) error) error {
	return func(emit func(values ...any) error) error {
		batches := make(chan [][]any, 4)
		done := make(chan struct{})
		errc := make(chan error, 1)
		go func() {
			defer close(batches)
			batch := make([][]any, 0, pipeBatch)
			send := func() bool {
				select {
				case batches <- batch:
					batch = make([][]any, 0, pipeBatch)
					return true
				case <-done:
					return false
				}
			}
			err := produce(func(values ...any) error {
				batch = append(batch, values)
				if len(batch) == pipeBatch && !send() {
					return errStopped
				}
				return nil
			})
			if err == nil && len(batch) > 0 {
				send()
			}
			errc <- err
		}()
		var werr error
		for batch := range batches {
			for _, r := range batch {
				if werr != nil {
					break
				}
				if werr = emit(r...); werr != nil {
					close(done)
				}
			}
		}
		perr := <-errc
		if werr != nil {
			return werr
		}
		return perr
	}
}
