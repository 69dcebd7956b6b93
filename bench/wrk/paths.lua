-- Cycles through BENCH_PATHS distinct raw paths (memory benchmark).
-- Nine in ten go to /users/{n} (a route; most ids do not exist, so 404 from the handler), one in ten to
-- /unknown/{n}, which matches no route.

dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local distinct = tonumber(os.getenv("BENCH_PATHS") or "10000")
local sent = 0

request = function()
  local n = sent % distinct
  sent = sent + 1
  if n % 10 == 9 then
    return wrk.format("GET", "/unknown/" .. n)
  end
  return wrk.format("GET", "/users/" .. n)
end
