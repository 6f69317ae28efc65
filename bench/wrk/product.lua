-- wrk script for the product's hot paths (bench/run.py sets the environment).
--   MODE=tier      GET  /v1/customers/<random bench member>/tier
--   MODE=post      POST /v1/transactions for a random bench member, unique external_id
--   MODE=post-hot  POST /v1/transactions, all for member HOT
--   MODE=points    GET  /v1/customers/<random bench member>/points
--   MODE=quote     POST /v1/transactions/quote for a random bench member (nothing saved)
--   MODE=probe     GET  /v1/customers/<random 1..CUSTOMERS>/tier of the framework probe (KEY k1)
-- KEY is an API key with members:read and transactions:write. done() prints "WRKJSON {...}".

local mode = os.getenv("MODE") or "tier"
local customers = tonumber(os.getenv("CUSTOMERS") or "100000")
local hot = tonumber(os.getenv("HOT") or "1")
local key = os.getenv("KEY") or ""
local run_id = os.getenv("RUN_ID") or tostring(os.time())

local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end

local counter = 0
local auth = "Bearer " .. key
local get_headers = { ["Authorization"] = auth }
local post_headers = { ["Authorization"] = auth, ["Content-Type"] = "application/json" }
local body_fmt = '{"customer_id":"%s","store_id":"dealer-01","external_id":"%s-%d-%d",'
  .. '"lines":[{"service_type":"maintenance","description":"10k km service","amount":"1000.00","margin":"0.35"},'
  .. '{"service_type":"parts","amount":"2000.00"}]}'

local function member(n)
  return string.format("cus_B%021d", n)
end

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
end

function request()
  if mode == "probe" then
    return wrk.format("GET", "/v1/customers/" .. math.random(1, customers) .. "/tier", get_headers)
  end
  if mode == "tier" or mode == "points" then
    return wrk.format("GET", "/v1/customers/" .. member(math.random(1, customers)) .. "/" .. mode, get_headers)
  end
  counter = counter + 1
  local cid = hot
  if mode ~= "post-hot" then cid = math.random(1, customers) end
  local path = "/v1/transactions"
  if mode == "quote" then path = "/v1/transactions/quote" end
  return wrk.format("POST", path, post_headers, string.format(body_fmt, member(cid), run_id, tid or 0, counter))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"err_connect":%d,"err_read":%d,"err_write":%d,'
      .. '"err_status":%d,"err_timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"lat_max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
