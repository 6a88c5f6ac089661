-- wrk script shared by every benchmark target (so each pays the same Lua overhead).
--
-- Environment:
--   BENCH_METHOD  GET (default) or POST
--   BENCH_BODY    the request body (POST), already URL-encoded
--   BENCH_BODY_ALT  optional second body; requests alternate between the two (so that every
--                 POST really changes the saved answer instead of re-saving the same one)
--   BENCH_EXPECT  the status class that counts as success: "2" (default) or "3"
-- The session cookie comes from wrk's -H option.
--
-- done() prints one line "BENCH_JSON {...}" that tests/bench/run.py parses.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  wrk.method = os.getenv("BENCH_METHOD") or "GET"
  local body = os.getenv("BENCH_BODY")
  if body and body ~= "" then
    wrk.body = body
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
end

if (os.getenv("BENCH_BODY_ALT") or "") ~= "" then
  -- Defined only when needed: wrk builds a static request once when there is no request().
  local prepared = nil
  local turn = 0
  function request()
    if prepared == nil then
      prepared = {
        wrk.format(nil, nil, nil, os.getenv("BENCH_BODY")),
        wrk.format(nil, nil, nil, os.getenv("BENCH_BODY_ALT")),
      }
    end
    turn = 1 - turn
    return prepared[turn + 1]
  end
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local expect = os.getenv("BENCH_EXPECT") or "2"
  local counts = {}
  local unexpected = 0
  for _, thread in ipairs(threads) do
    local found = thread:get("statuses") or {}
    for status, n in pairs(found) do
      counts[status] = (counts[status] or 0) + n
      if string.sub(status, 1, 1) ~= expect then
        unexpected = unexpected + n
      end
    end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%s": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
    .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "mean": %.1f, "max": %d}, '
    .. '"statuses": {%s}, "unexpected_status": %d, '
    .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
    .. '"wrk_status_errors": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max,
    table.concat(parts, ", "), unexpected,
    e.connect, e.read, e.write, e.timeout, e.status))
end
