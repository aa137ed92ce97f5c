-- wrk script: send DEPTH requests (default 16) in every write, as pipelining clients do.
-- usage: wrk -s http-pipeline.lua http://127.0.0.1:8080/ -- 16
init = function(args)
   local depth = tonumber(args[1]) or 16
   local r = {}
   for i = 1, depth do
      r[i] = wrk.format()
   end
   req = table.concat(r)
end

request = function()
   return req
end
